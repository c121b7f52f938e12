#include "core/data/ImageFile.h"

#include "core/common/FileRead.h"

#include <QFileInfo>

namespace attune {

ImageFile::ImageFile(const QString& path) {
  if (auto opened = openRegularFile(m_file, path, kMaxImageBytes, QStringLiteral("the image")); !opened) {
    m_error = opened.error();
    return;
  }
  m_reader.setDevice(&m_file);
}

QString ImageFile::errorString() const {
  return m_error ? m_error->message : m_reader.errorString();
}

}  // namespace attune
