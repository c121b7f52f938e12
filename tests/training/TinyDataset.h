#pragma once
// Test helper: writes a tiny image dataset (one sub-folder per class, distinct solid colours with a
// class-specific pattern) and a project on it.

#include "core/project/Project.h"
#include "core/training/TrainingSession.h"

#include <QColor>
#include <QDir>
#include <QImage>
#include <QPainter>

namespace attune::testing {

inline void writeTinyDataset(const QString& root, int classes, int imagesPerClass, int side = 32) {
  const QColor colours[] = {Qt::red, Qt::blue, Qt::green, Qt::yellow};
  for (int c = 0; c < classes; ++c) {
    const QString folder = QDir(root).filePath(QStringLiteral("class_%1").arg(c));
    QDir().mkpath(folder);
    for (int i = 0; i < imagesPerClass; ++i) {
      QImage image(side, side, QImage::Format_RGB32);
      image.fill(colours[c % 4].darker(100 + 15 * i));
      QPainter painter(&image);
      painter.fillRect(c % 2 ? QRect(0, 0, side / 2, side) : QRect(0, 0, side, side / 2), Qt::white);
      painter.end();
      image.save(QDir(folder).filePath(QStringLiteral("%1.png").arg(i)));
    }
  }
}

// A project on `dataFolder`, saved as `projectPath`, with settings for a fast CPU run.
inline Project tinyProject(const QString& projectPath, const QString& dataFolder) {
  Project project;
  project.filePath = projectPath;
  project.name = QStringLiteral("tiny");
  project.data.folder = dataFolder;
  project.data.valFraction = 0.34;
  project.config.architecture = QStringLiteral("resnet18");
  project.config.inputSize = 32;
  project.config.batchSize = 8;
  project.config.epochs = 2;
  project.config.randomResizedCrop = false;
  project.config.horizontalFlip = false;
  project.config.labelSmoothing = 0.0;
  project.config.loaderWorkers = 1;
  return project;
}

// Runs the job to its end in this thread (the session is thread-agnostic) and returns the summary,
// with the published metrics and events when asked.
inline RunSummary runToEnd(TrainingSession& session, std::vector<StepMetrics>* steps = nullptr,
                           std::vector<EpochMetrics>* epochs = nullptr,
                           std::vector<RunEvent>* events = nullptr) {
  session.run();
  auto drain = session.metrics().drain();
  if (steps) *steps = drain.steps;
  if (epochs) *epochs = drain.epochs;
  if (events) *events = drain.events;
  return session.summary();
}

inline RunSummary runToEnd(const TrainingJob& job, std::vector<StepMetrics>* steps = nullptr,
                           std::vector<EpochMetrics>* epochs = nullptr,
                           std::vector<RunEvent>* events = nullptr) {
  TrainingSession session(job);
  return runToEnd(session, steps, epochs, events);
}

}  // namespace attune::testing
