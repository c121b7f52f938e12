#pragma once
#include <QString>

namespace attune {

// Attune's own version ("0.1.0").
QString attuneVersion();

}  // namespace attune
