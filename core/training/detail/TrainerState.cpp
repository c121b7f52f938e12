#include "core/training/detail/TrainerState.h"

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
  return {{"format_version", 1},
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
          {"data_fingerprint", dataFingerprint.toStdString()}};
}

Result<TrainerProgress> TrainerProgress::fromJson(const nlohmann::json& json) {
  if (!json.is_object()) return damaged(QStringLiteral("not an object"));
  if (json.value("format_version", 0) != 1) return damaged(QStringLiteral("unknown format version"));
  TrainerProgress p;
  try {
    p.epoch = json.at("epoch").get<int>();
    p.batchesDone = json.at("batches_done").get<int64_t>();
    p.step = json.at("step").get<int64_t>();
    p.epochLossSum = json.at("epoch_loss_sum").get<double>();
    p.epochCorrect = json.at("epoch_correct").get<int64_t>();
    p.epochSeen = json.at("epoch_seen").get<int64_t>();
    p.badSteps = json.at("bad_steps").get<int>();
    p.microBatch = json.at("micro_batch").get<int>();
    p.epochsCompleted = json.at("epochs_completed").get<int>();
    p.bestEpoch = json.at("best_epoch").get<int>();
    p.bestValAccuracy = json.at("best_val_accuracy").get<double>();
    p.bestValLoss = json.at("best_val_loss").get<double>();
    p.epochsSinceBest = json.at("epochs_since_best").get<int>();
    p.overfittingReported = json.at("overfitting_reported").get<bool>();
    p.trainLosses = json.at("train_losses").get<std::vector<double>>();
    p.valLosses = json.at("val_losses").get<std::vector<double>>();
    p.lrHead = json.at("lr_head").get<double>();
    p.lrBackbone = json.at("lr_backbone").get<double>();
    p.schedule = json.at("schedule");
    p.dataFingerprint = QString::fromStdString(json.at("data_fingerprint").get<std::string>());
  } catch (const nlohmann::json::exception& e) {
    return damaged(QString::fromUtf8(e.what()));
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
