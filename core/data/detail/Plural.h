#pragma once
#include <QLatin1String>
#include <QString>

namespace attune::detail {

// "1 image", "3 images": reports are read by people, not parsed.
inline QString plural(int count, const char* singular, const char* pluralForm) {
  return QStringLiteral("%1 %2").arg(count).arg(QLatin1String(count == 1 ? singular : pluralForm));
}

}  // namespace attune::detail
