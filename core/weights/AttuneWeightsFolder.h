#pragma once
// Attune's own folder for downloaded weights. Torch hub files keep their name at its top level;
// Hugging Face files go under huggingface/{org--name}/{revision}/{path}, because many repositories
// share names such as "model.safetensors".

#include "core/weights/WeightSource.h"

#include <QString>

namespace attune {

class AttuneWeightsFolder {
 public:
  explicit AttuneWeightsFolder(QString root = defaultRoot());

  // $ATTUNE_CACHE_DIR, else attuneCacheFolder()/weights ($XDG_CACHE_HOME/Attune/Attune/weights, else
  // ~/.cache/Attune/Attune/weights).
  static QString defaultRoot();
  const QString& root() const { return m_root; }

  // Where the file of `source` lives (or will, once downloaded); empty when the source names no
  // usable file (no name, or a name that would leave the folder).
  QString pathFor(const WeightSource& source) const;
  // The verified-hash memo kept in this folder.
  QString hashMemoPath() const { return m_root + QStringLiteral("/verified-sha256.json"); }

 private:
  QString m_root;
};

}  // namespace attune
