#pragma once
// Test helper: a small review table whose labels follow from its words, and a word-vector file (the
// format of installer/convert_glove.py) in which those words carry their sentiment, so that a text
// model learns them within a few CPU epochs.

#include "core/project/Project.h"
#include "core/weights/SafetensorsWriter.h"

#include <nlohmann/json.hpp>

#include <QFile>
#include <QString>
#include <QStringList>

#include <random>
#include <vector>

namespace attune::testing::texts {

inline const QStringList kPositive = {"good", "great", "lovely", "superb", "enjoyable", "fun"};
inline const QStringList kNegative = {"bad", "awful", "boring", "dull", "poor", "terrible"};
inline const QStringList kNeutral = {"the", "movie", "was", "plot", "and", "acting", "really", "quite"};

// A CSV of short reviews whose label follows from the words in them; one review with a quoted comma
// and one spanning two lines, as real exports have.
inline QString writeReviews(const QString& path, int perClass) {
  std::mt19937 rng(7);
  auto pick = [&](const QStringList& words) { return words[int(rng() % uint32_t(words.size()))]; };
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly)) return {};
  file.write("text,label\n");
  for (int i = 0; i < perClass; ++i) {
    for (int positive = 0; positive < 2; ++positive) {
      const QStringList& words = positive ? kPositive : kNegative;
      QString text = QStringLiteral("%1 %2 %3 %4 %5")
                         .arg(pick(kNeutral), pick(kNeutral), pick(words), pick(kNeutral), pick(words));
      if (i == 0) text = QStringLiteral("\"%1, %2\"").arg(text, pick(words));
      if (i == 1) text = QStringLiteral("\"%1\n%2\"").arg(text, pick(words));
      file.write(QStringLiteral("%1,%2\n")
                     .arg(text, positive ? QStringLiteral("pos") : QStringLiteral("neg"))
                     .toUtf8());
    }
  }
  return path;
}

// A word-vector file in the format of installer/convert_glove.py: row 0 padding, row 1 unknown, then
// one 8-d vector per word; the positive and negative words point in opposite directions.
inline QString writeTinyVectors(const QString& path) {
  QStringList words = kPositive + kNegative + kNeutral;
  const int width = 8;
  std::vector<float> values(size_t((words.size() + 2) * width), 0.0f);
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0.0f, 0.3f);
  for (qsizetype w = 0; w < words.size(); ++w) {
    const float sign = kPositive.contains(words[w]) ? 1.0f : kNegative.contains(words[w]) ? -1.0f : 0.0f;
    for (int d = 0; d < width; ++d) values[size_t((w + 2) * width + d)] = noise(rng) + (d == 0 ? sign : 0.0f);
  }
  TensorData table;
  table.dtype = DType::F32;
  table.shape = {words.size() + 2, width};
  table.bytes =
      QByteArray(reinterpret_cast<const char*>(values.data()), qsizetype(values.size() * sizeof(float)));
  nlohmann::json list = nlohmann::json::array();
  for (const QString& w : words) list.push_back(w.toStdString());
  if (!SafetensorsWriter::writeFile(path, {{"vectors", table}}, {{"attune.words", list.dump()}}).ok())
    return {};
  return path;
}

// A text project on the reviews (columns "text" and "label", a quarter held out) with settings that
// learn them in a few CPU seconds.
inline Project reviewProject(const QString& projectPath, const QString& reviews, const QString& architecture,
                             const QString& weights) {
  Project project;
  project.filePath = projectPath;
  project.name = QStringLiteral("Reviews");
  project.task = TaskKind::TextClassification;
  project.data.table = reviews;
  project.data.textColumn = QStringLiteral("text");
  project.data.labelColumn = QStringLiteral("label");
  project.data.valFraction = 0.25;
  project.config.architecture = architecture;
  project.config.weightsPath = weights;
  project.config.epochs = 8;
  project.config.batchSize = 8;
  project.config.lrHead = 2e-2;
  project.config.lrBackbone = 2e-3;
  project.config.labelSmoothing = 0.0;
  project.config.maxTokens = 16;
  return project;
}

}  // namespace attune::testing::texts
