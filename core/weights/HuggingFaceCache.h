#pragma once
// Read-only lookup in the Hugging Face hub cache that huggingface_hub / transformers fill:
//   <root>/models--{org}--{name}/refs/{revision}          a file holding the commit hash
//   <root>/models--{org}--{name}/snapshots/{commit}/{path}  usually a relative symlink into blobs/
//   <root>/models--{org}--{name}/blobs/{etag}
// Attune never writes into it.

#include <QString>

#include <optional>

namespace attune {

class HuggingFaceCache {
 public:
  explicit HuggingFaceCache(QString root = defaultRoot());

  // $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
  static QString defaultRoot();
  const QString& root() const { return m_root; }

  // "bert-base-uncased" -> "models--bert-base-uncased", "google/vit-base" -> "models--google--vit-base";
  // empty for a name that is not a repository id (empty parts, "..", backslashes).
  static QString repoFolderName(const QString& repo);

  // The cached file (symlinks resolved) for repo at revision, or nothing. The revision is a branch or
  // tag name resolved through refs/, or a commit hash used directly; empty means "main". Paths that
  // would leave the repository's folder ("..", absolute) are never looked up.
  // The same file under its own name in the snapshot folder (next to the repository's other files),
  // when find() finds it.
  std::optional<QString> snapshotPath(const QString& repo, const QString& revision,
                                      const QString& path) const;
  std::optional<QString> find(const QString& repo, const QString& revision, const QString& path) const;

  // The commit a revision names in the cache, or nothing.
  std::optional<QString> resolveCommit(const QString& repo, const QString& revision) const;

 private:
  QString m_root;
};

}  // namespace attune
