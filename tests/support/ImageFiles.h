#pragma once
// Test helper: a small solid-colour image file where a test needs one (its folders made).

#include <QColor>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QString>

#include <cstdio>
#include <cstdlib>

namespace attune::testing {

inline void writeImageFile(const QString& path, const QColor& colour, int width = 8, int height = 8) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QImage image(width, height, QImage::Format_RGB32);
  image.fill(colour);
  if (!image.save(path)) {
    std::fprintf(stderr, "cannot write %s\n", qPrintable(path));
    std::abort();
  }
}

}  // namespace attune::testing
