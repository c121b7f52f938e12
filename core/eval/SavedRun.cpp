#include "core/eval/SavedRun.h"
#include "core/common/BoundedJson.h"

#include "core/common/FileRead.h"
#include "core/common/JsonFields.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <cmath>

namespace attune {
namespace {

// Nesting these documents never need (they are a few levels deep): deeper text is refused unread.
constexpr int kMaxJsonDepth = 64;

QString text(const nlohmann::json& value) {
  if (value.is_string()) return QString::fromStdString(value.get<std::string>());
  if (value.is_null()) return QStringLiteral("(none)");
  return QString::fromStdString(value.dump());
}

void flatten(const nlohmann::json& value, const QString& prefix,
             std::vector<std::pair<QString, QString>>& out) {
  if (value.is_object() && !value.empty()) {
    for (const auto& [key, child] : value.items())
      flatten(child,
              prefix.isEmpty() ? QString::fromStdString(key)
                               : prefix + QLatin1Char('.') + QString::fromStdString(key),
              out);
    return;
  }
  out.emplace_back(prefix, text(value));
}

std::vector<int> intList(const nlohmann::json& document, const char* key) {
  std::vector<int> values;
  if (auto it = document.find(key); it != document.end() && it->is_array())
    for (const auto& v : *it)
      if (int value = 0; json_fields::readValue(v, {}, value)) values.push_back(value);
  return values;
}

int intField(const nlohmann::json& document, const char* key) {
  int value = 0;  // a count past the range of int is as unknown as a missing one
  return json_fields::read(document, key, {}, value) ? value : 0;
}

QString stringField(const nlohmann::json& document, const char* key) {
  auto it = document.find(key);
  return it != document.end() && it->is_string() ? QString::fromStdString(it->get<std::string>()) : QString();
}

double cellValue(const QStringList& cells, qsizetype index) {
  bool ok = false;
  const double value = cells.value(index).toDouble(&ok);
  return ok ? value : std::nan("");
}

// The epoch rows of metrics.csv, found by their header names. Rows that do not parse (a line cut by
// a crash) are left out.
std::vector<EpochRecord> readEpochs(const QString& path) {
  std::vector<EpochRecord> epochs;
  QFile file;
  if (!openRegularFile(file, path, -1, QStringLiteral("the metrics file"))) return epochs;
  const QStringList header = QString::fromUtf8(file.readLine()).trimmed().split(QLatin1Char(','));
  const auto column = [&header](const char* name) { return header.indexOf(QLatin1String(name)); };
  const qsizetype kind = column("kind"), epoch = column("epoch"), trainLoss = column("train_loss"),
                  trainAccuracy = column("train_accuracy"), valLoss = column("val_loss"),
                  valAccuracy = column("val_accuracy"), elapsed = column("elapsed_ms");
  if (kind < 0 || epoch < 0) return epochs;
  while (!file.atEnd()) {
    const QStringList cells = QString::fromUtf8(file.readLine()).trimmed().split(QLatin1Char(','));
    if (cells.size() != header.size() || cells[kind] != QLatin1String("epoch")) continue;
    EpochRecord record;
    bool ok = false;
    record.epoch = cells[epoch].toInt(&ok);
    if (!ok || record.epoch < 1) continue;
    record.trainLoss = cellValue(cells, trainLoss);
    record.trainAccuracy = cellValue(cells, trainAccuracy);
    record.valLoss = cellValue(cells, valLoss);
    record.valAccuracy = cellValue(cells, valAccuracy);
    record.elapsedMs = cellValue(cells, elapsed);
    // A resumed run's rows after its checkpoint were dropped; a later row for an epoch replaces it.
    if (!epochs.empty() && epochs.back().epoch >= record.epoch)
      epochs.erase(std::find_if(epochs.begin(), epochs.end(),
                                [&](const EpochRecord& e) { return e.epoch >= record.epoch; }),
                   epochs.end());
    epochs.push_back(record);
  }
  return epochs;
}

}  // namespace

int SavedRun::bestEpoch() const {
  // The training loop's rule: strictly better by more than min_delta; with min_delta 0, an accuracy
  // tie goes to the lower validation loss.
  const bool byLoss = config.monitor == MonitorMetric::ValLoss;
  const EpochRecord* best = nullptr;
  for (const EpochRecord& e : epochs) {
    if (!std::isfinite(byLoss ? e.valLoss : e.valAccuracy)) continue;
    const bool better =
        !best || (byLoss ? e.valLoss < best->valLoss - config.minDelta
                         : e.valAccuracy > best->valAccuracy + config.minDelta ||
                               (config.minDelta == 0.0 && e.valAccuracy == best->valAccuracy &&
                                e.valLoss < best->valLoss));
    if (better) best = &e;
  }
  return best ? best->epoch : 0;
}

const EpochRecord* SavedRun::epoch(int number) const {
  for (const EpochRecord& e : epochs)
    if (e.epoch == number) return &e;
  return nullptr;
}

Result<SavedRun> readSavedRun(const QString& directory) {
  const QDir dir(directory);
  const QString configPath = dir.filePath(QStringLiteral("config.json"));
  if (!QFileInfo::exists(configPath))
    return Error(ErrorCode::FileUnreadable,
                 QStringLiteral("%1 is not a run: it has no config.json.").arg(directory),
                 QStringLiteral("Choose a folder under the project's runs folder."));
  auto bytes = readRegularFile(configPath, kMaxSmallJsonBytes, QStringLiteral("the run's settings"));
  if (!bytes) return bytes.error();
  const auto document =
      parseJsonOrDiscarded(bytes->constData(), bytes->constData() + bytes->size(), kMaxJsonDepth);
  if (!document.is_object())
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("The settings of run %1 (config.json) are damaged.").arg(dir.dirName()),
                 QStringLiteral("This run cannot be shown; train a new one."));
  SavedRun run;
  run.directory = dir.absolutePath();
  run.id = stringField(document, "run_id");
  if (run.id.isEmpty()) run.id = dir.dirName();
  run.projectName = stringField(document, "project");
  run.startedAt = stringField(document, "started_at");
  run.device = stringField(document, "device");
  run.dataVersion = stringField(document, "data_version");
  run.task = stringField(document, "task") == QLatin1String("text") ? TaskKind::TextClassification
                                                                    : TaskKind::ImageClassification;
  const bool texts = run.task == TaskKind::TextClassification;
  run.trainCount = intField(document, texts ? "train_texts" : "train_images");
  run.valCount = intField(document, texts ? "val_texts" : "val_images");
  run.trainClassCounts = intList(document, "train_class_counts");
  run.valClassCounts = intList(document, "val_class_counts");
  if (auto classes = document.find("classes"); classes != document.end() && classes->is_array())
    for (const auto& c : *classes)
      if (c.is_string()) run.classes << QString::fromStdString(c.get<std::string>());
  const auto config = document.find("config");
  if (config == document.end())
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("Run %1 has no settings in its config.json.").arg(run.id),
                 QStringLiteral("This run cannot be shown; train a new one."));
  auto parsed = TrainingConfig::fromJson(*config);
  if (!parsed)
    return Error(
        ErrorCode::BadFormat,
        QStringLiteral("The settings of run %1 cannot be read: %2").arg(run.id, parsed.error().text()),
        QStringLiteral("This run cannot be shown; train a new one."));
  run.config = *parsed;
  flatten(run.config.toJson(), QString(), run.settings);
  std::sort(run.settings.begin(), run.settings.end());
  run.epochs = readEpochs(dir.filePath(QStringLiteral("metrics.csv")));
  run.hasBestCheckpoint = QFileInfo::exists(dir.filePath(QStringLiteral("best.safetensors")));
  run.hasLastCheckpoint = QFileInfo::exists(dir.filePath(QStringLiteral("last.safetensors")));
  for (const QString& sub : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
    if (QFileInfo::exists(dir.filePath(sub + QStringLiteral("/config.json")))) run.folds << sub;
  return run;
}

std::vector<SavedRun> savedRunsOf(const Project& project, QStringList* skipped) {
  std::vector<SavedRun> runs;
  const QDir dir(project.runsDirectory());
  for (const QString& name : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
    auto run = readSavedRun(dir.filePath(name));
    if (run)
      runs.push_back(std::move(*run));
    else if (skipped)
      skipped->append(run.error().text());
  }
  // Run ids are start times, so newest first is the reverse of the folder order (unless told
  // otherwise by started_at).
  std::stable_sort(runs.begin(), runs.end(), [](const SavedRun& a, const SavedRun& b) {
    return a.startedAt != b.startedAt ? a.startedAt > b.startedAt : a.id > b.id;
  });
  return runs;
}

std::vector<SettingDifference> settingDifferences(const SavedRun& first, const SavedRun& second) {
  std::vector<SettingDifference> differences;
  auto a = first.settings.begin(), b = second.settings.begin();
  while (a != first.settings.end() || b != second.settings.end()) {
    if (b == second.settings.end() || (a != first.settings.end() && a->first < b->first)) {
      differences.push_back({a->first, a->second, QString()});
      ++a;
    } else if (a == first.settings.end() || b->first < a->first) {
      differences.push_back({b->first, QString(), b->second});
      ++b;
    } else {
      if (a->second != b->second) differences.push_back({a->first, a->second, b->second});
      ++a;
      ++b;
    }
  }
  if (first.dataVersion != second.dataVersion)
    differences.push_back({QStringLiteral("data version"), first.dataVersion, second.dataVersion});
  return differences;
}

}  // namespace attune
