#pragma once
// Run folders written by hand, as training writes them (config.json, metrics.csv, checkpoints), for
// tests of what reads runs back: the run history, the report, the findings.

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QString>

#include <array>
#include <vector>

namespace attune::testing::runs {

// Per epoch: training loss, training accuracy, validation loss, validation accuracy.
using Epochs = std::vector<std::array<double, 4>>;

// Loss falls until epoch 4 then rises; accuracy peaks at epoch 4 too.
inline const Epochs kOverfitting = {{1.0, 0.50, 0.90, 0.60}, {0.7, 0.70, 0.70, 0.70},
                                    {0.5, 0.80, 0.60, 0.75}, {0.3, 0.90, 0.50, 0.80},
                                    {0.2, 0.95, 0.60, 0.78}, {0.1, 0.99, 0.75, 0.77}};

inline bool writeFile(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

// runsDir/<id>/ with config.json (the settings in `config`, defaults for the rest; three classes
// finch, robin, wren with 60, 62 and 8 training images) and metrics.csv with these epochs (plus
// `extraRows` as they are); best.safetensors (a stand-in) unless told otherwise. Returns the folder.
inline QString writeRun(const QString& runsDir, const QString& id, nlohmann::json config,
                        const Epochs& epochs, const QByteArray& extraRows = {},
                        const QString& dataVersion = QStringLiteral("abc123")) {
  if (config.is_null()) config = nlohmann::json::object();
  const QString dir = runsDir + QLatin1Char('/') + id;
  QDir().mkpath(dir);
  const QString started = QStringLiteral("2026-11-30T10:00:0") + id.right(1) + QStringLiteral("Z");
  nlohmann::json document = {{"run_id", id.toStdString()},
                             {"project", "birds"},
                             {"started_at", started.toStdString()},
                             {"task", "image"},
                             {"classes", {"finch", "robin", "wren"}},
                             {"train_images", 130},
                             {"val_images", 30},
                             {"train_class_counts", {60, 62, 8}},
                             {"val_class_counts", {10, 10, 10}},
                             {"data_version", dataVersion.toStdString()},
                             {"device", "cpu"},
                             {"config", config}};
  writeFile(dir + QStringLiteral("/config.json"), QByteArray::fromStdString(document.dump(2)));
  QByteArray csv =
      "kind,epoch,step,train_loss,train_accuracy,val_loss,val_accuracy,lr_head,lr_backbone,elapsed_ms\n";
  int epoch = 0;
  for (const auto& e : epochs) {
    ++epoch;
    csv += QStringLiteral("step,%1,%2,0.9,,,,0.001,0.0001,10\n").arg(epoch).arg(epoch * 10).toUtf8();
    csv += QStringLiteral("epoch,%1,,%2,%3,%4,%5,,,%6\n")
               .arg(epoch)
               .arg(e[0])
               .arg(e[1])
               .arg(e[2])
               .arg(e[3])
               .arg(epoch * 100)
               .toUtf8();
  }
  writeFile(dir + QStringLiteral("/metrics.csv"), csv + extraRows);
  writeFile(dir + QStringLiteral("/best.safetensors"), "x");
  return dir;
}

}  // namespace attune::testing::runs
