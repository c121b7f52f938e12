#pragma once
// Test helper: writes a tiny image dataset (one sub-folder per class, distinct solid colours with a
// class-specific pattern) and a project on it.

#include "core/project/Project.h"

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

}  // namespace attune::testing
