#include "core/common/Version.h"

namespace attune {

QString attuneVersion() {
  return QStringLiteral(ATTUNE_VERSION);
}

}  // namespace attune
