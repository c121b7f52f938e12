#pragma once
// Where one pre-trained weights file comes from and how to recognise it once it is on disk. Written by
// the model catalog; read by the Downloader and the WeightLocator.

#include <QString>
#include <QUrl>

namespace attune {

struct WeightSource {
  QUrl url;                            // download URL
  QString fileName;                    // name on disk (torch hub: the URL's last path segment)
  QString sha256;                      // full lowercase hex, or empty when only a prefix is known
  QString sha256Prefix;                // torch hub convention: the hash prefix in the file name
                                       // ("resnet18-f37072fd.pth" -> "f37072fd"); used when sha256 is empty
  qint64 sizeBytes = -1;               // -1 unknown
  QString licence, origin;             // "BSD-3-Clause", "torchvision" / "huggingface"
  QString hfRepo, hfRevision, hfPath;  // Hugging Face: "bert-base-uncased", "main", "model.safetensors"

  // The full hash when known, else the prefix (lowercase), else empty: nothing to check against.
  QString expectedHash() const;
};

enum class HashMatch { Matches, Differs, NothingToCheck };

// Compares a file's full SHA-256 (lowercase hex) with what the source expects: the full hash when
// known, else its prefix.
HashMatch compareHash(const WeightSource& source, const QString& actual_sha256);

// https://huggingface.co/{repo}/resolve/{revision}/{path}; revision defaults to "main".
QUrl huggingFaceUrl(const QString& repo, const QString& revision, const QString& path);

// The torch.hub rule: the part after the file name's last '-' up to the next '.', when it is
// lowercase hex ("resnet18-f37072fd.pth" -> "f37072fd"); empty when there is none.
QString torchHubHashPrefix(const QString& fileName);

}  // namespace attune
