#include "ui/WindowController.h"

#include <QWidget>

namespace attune::ui {

WindowController::WindowController(ProjectDocument& document, QWidget* window)
    : QObject(window), m_document(document), m_window(window) {}

}  // namespace attune::ui
