#pragma once
#include <QString>

namespace attune {

// Attune's own version ("0.1.0").
QString attuneVersion();
// The LibTorch version Attune was built against ("1.13.1").
QString torchVersion();

}  // namespace attune
