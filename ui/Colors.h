#pragma once
// The few colours the window's own text uses, one place for all panels.

#include <QColor>

namespace attune::ui {

// Errors and problems the user must act on (dark red, readable on light and grey backgrounds).
inline const QColor kErrorColor(0xc0, 0x1c, 0x28);

}  // namespace attune::ui
