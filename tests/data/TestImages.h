#pragma once
// Small image files generated inside the tests, so no binary fixtures live in the repository.

#include <QBuffer>
#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QPainter>
#include <QString>

#include <cstdint>

namespace attune::test {

inline QImage solidImage(int width, int height, QColor colour) {
  QImage image(width, height, QImage::Format_RGB888);
  image.fill(colour);
  return image;
}

// Red, green, blue and white quadrants (top-left, top-right, bottom-left, bottom-right).
inline QImage quadrantImage(int width, int height) {
  QImage image(width, height, QImage::Format_RGB888);
  QPainter painter(&image);
  painter.fillRect(0, 0, width / 2, height / 2, Qt::red);
  painter.fillRect(width / 2, 0, width - width / 2, height / 2, Qt::green);
  painter.fillRect(0, height / 2, width / 2, height - height / 2, Qt::blue);
  painter.fillRect(width / 2, height / 2, width - width / 2, height - height / 2, Qt::white);
  return image;
}

// Smooth gradients plus a seeded texture: JPEG-compresses like a photo and is not symmetric.
inline QImage photoLikeImage(int width, int height, int seed) {
  QImage image(width, height, QImage::Format_RGB888);
  uint32_t state = uint32_t(seed) * 2654435761u + 1u;
  for (int y = 0; y < height; ++y) {
    uchar* line = image.scanLine(y);
    for (int x = 0; x < width; ++x) {
      state = state * 1664525u + 1013904223u;
      const int noise = int(state >> 30);  // a little grain: photos are not pure gradients
      line[3 * x] = uchar((x * 255 / width + seed * 37 + noise) & 0xff);
      line[3 * x + 1] = uchar((y * 255 / height + noise) & 0xff);
      line[3 * x + 2] = uchar(((x + y + seed * 11) / 2) & 0xff);
    }
  }
  return image;
}

inline bool saveImage(const QImage& image, const QString& path, const char* format = nullptr,
                      int quality = -1) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  return image.save(path, format, quality);
}

inline bool writeBytes(const QString& path, const QByteArray& bytes) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile file(path);
  return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

// Looks like a JPEG by name and starts like a JFIF file, but the data is garbage.
inline bool writeCorruptJpeg(const QString& path) {
  static constexpr char kHeader[] = "\xff\xd8\xff\xe0 this is not really a jpeg";
  QByteArray bytes(kHeader, sizeof kHeader - 1);
  bytes += QByteArray(200, '\x5a');
  return writeBytes(path, bytes);
}

// Inserts an EXIF APP1 segment carrying only an orientation tag (1-8) right after the JPEG's SOI.
inline QByteArray withExifOrientation(const QByteArray& jpeg, int orientation) {
  QByteArray tiff;
  tiff += QByteArray("MM\x00\x2a\x00\x00\x00\x08", 8);        // big endian, first IFD at offset 8
  tiff += QByteArray("\x00\x01", 2);                          // one entry
  tiff += QByteArray("\x01\x12\x00\x03\x00\x00\x00\x01", 8);  // Orientation, SHORT, count 1
  tiff += char(0);
  tiff += char(orientation);
  tiff += QByteArray(2, '\0');  // value padding
  tiff += QByteArray(4, '\0');  // no next IFD
  const QByteArray payload = QByteArray("Exif\0\0", 6) + tiff;
  QByteArray segment("\xff\xe1", 2);
  const quint16 length = quint16(payload.size() + 2);
  segment += char(length >> 8);
  segment += char(length & 0xff);
  segment += payload;
  return jpeg.left(2) + segment + jpeg.mid(2);
}

inline QByteArray jpegBytes(const QImage& image, int quality = 90) {
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  image.save(&buffer, "JPEG", quality);
  return bytes;
}

}  // namespace attune::test
