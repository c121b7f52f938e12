#include "core/training/detail/TrainerState.h"

#include "core/common/JsonFields.h"

#include <QCryptographicHash>

#include <algorithm>

namespace attune::detail {
namespace {

Error damaged(const QString& what) {
  return Error(ErrorCode::BadFormat, QStringLiteral("The run's saved state is damaged (%1).").arg(what),
               QStringLiteral("Start a new run; the run's checkpoints can still be evaluated and exported."));
}

}  // namespace

nlohmann::json TrainerProgress::toJson() const {
  nlohmann::json json = {{"format_version", 1},
                         {"epoch", epoch},
                         {"batches_done", batchesDone},
                         {"step", step},
                         {"epoch_loss_sum", epochLossSum},
                         {"epoch_correct", epochCorrect},
                         {"epoch_seen", epochSeen},
                         {"bad_steps", badSteps},
                         {"micro_batch", microBatch},
                         {"epochs_completed", epochsCompleted},
                         {"best_epoch", bestEpoch},
                         {"best_val_accuracy", bestValAccuracy},
                         {"best_val_loss", bestValLoss},
                         {"epochs_since_best", epochsSinceBest},
                         {"overfitting_reported", overfittingReported},
                         {"train_losses", trainLosses},
                         {"val_losses", valLosses},
                         {"lr_head", lrHead},
                         {"lr_backbone", lrBackbone},
                         {"schedule", schedule},
                         {"data_fingerprint", dataFingerprint.toStdString()},
                         {"channels_last", channelsLast}};
  if (bf16) json["bf16"] = *bf16;
  return json;
}

Result<TrainerProgress> TrainerProgress::fromJson(const nlohmann::json& json) {
  using json_fields::read;
  using json_fields::require;
  if (!json.is_object()) return damaged(QStringLiteral("not an object"));
  int version = 0;
  if (!require(json, "format_version", {}, version) || version != 1)
    return damaged(QStringLiteral("unknown format version"));
  TrainerProgress p;
  QString fingerprint;
  // Every key is required and of its type: a wrong one names itself instead of throwing.
  for (const Status& status :
       {require(json, "epoch", {}, p.epoch), require(json, "batches_done", {}, p.batchesDone),
        require(json, "step", {}, p.step), require(json, "epoch_loss_sum", {}, p.epochLossSum),
        require(json, "epoch_correct", {}, p.epochCorrect), require(json, "epoch_seen", {}, p.epochSeen),
        require(json, "bad_steps", {}, p.badSteps), require(json, "micro_batch", {}, p.microBatch),
        require(json, "epochs_completed", {}, p.epochsCompleted),
        require(json, "best_epoch", {}, p.bestEpoch),
        require(json, "best_val_accuracy", {}, p.bestValAccuracy),
        require(json, "best_val_loss", {}, p.bestValLoss),
        require(json, "epochs_since_best", {}, p.epochsSinceBest),
        require(json, "overfitting_reported", {}, p.overfittingReported),
        require(json, "train_losses", {}, p.trainLosses), require(json, "val_losses", {}, p.valLosses),
        require(json, "lr_head", {}, p.lrHead), require(json, "lr_backbone", {}, p.lrBackbone),
        require(json, "data_fingerprint", {}, fingerprint)})
    if (!status) return damaged(status.error().message);
  if (!json.contains("schedule")) return damaged(QStringLiteral("schedule is missing."));
  p.schedule = json["schedule"];
  p.dataFingerprint = fingerprint;
  if (auto s = read(json, "channels_last", {}, p.channelsLast); !s) return damaged(s.error().message);
  if (json.contains("bf16")) {
    bool bf16 = false;
    if (auto s = read(json, "bf16", {}, bf16); !s) return damaged(s.error().message);
    p.bf16 = bf16;
  }
  if (p.epoch < 1 || p.batchesDone < 0 || p.step < 0 || p.epochSeen < 0 || p.microBatch < 0)
    return damaged(QStringLiteral("values out of range"));
  return p;
}

bool looksLikeOverfitting(const std::vector<double>& t, const std::vector<double>& v) {
  const size_t n = std::min(t.size(), v.size());
  if (n < 3) return false;
  return v[n - 1] > v[n - 2] && v[n - 2] > v[n - 3] && t[n - 1] < t[n - 2] && t[n - 2] < t[n - 3];
}

namespace {

// SHA-256 over every sample's identity (`key`) and label, train then validation, each part tagged.
template <typename Sample, typename Key>
QString fingerprintOf(const std::vector<Sample>& train, const std::vector<Sample>& val, Key key) {
  QCryptographicHash hash(QCryptographicHash::Sha256);
  auto add = [&](const std::vector<Sample>& samples, char part) {
    hash.addData(QByteArrayView(&part, 1));
    for (const auto& s : samples) {
      hash.addData(key(s));
      hash.addData(QByteArray::number(s.label));
      hash.addData(QByteArrayView("\n", 1));
    }
  };
  add(train, 't');
  add(val, 'v');
  return QString::fromLatin1(hash.result().toHex());
}

}  // namespace

QString dataFingerprint(const std::vector<ImageSample>& train, const std::vector<ImageSample>& val) {
  return fingerprintOf(train, val, [](const ImageSample& s) { return s.path.toUtf8(); });
}

QString dataFingerprint(const std::vector<TextSample>& train, const std::vector<TextSample>& val) {
  // Texts may hold newlines: their length keeps one text from running into the next label.
  return fingerprintOf(train, val, [](const TextSample& s) -> QByteArray {
    const QByteArray text = s.text.toUtf8();
    return QByteArray::number(text.size()) + ':' + text;
  });
}

}  // namespace attune::detail
