#pragma once
// The Data Health tab's actions: the check runs on a worker (when the tab is first shown, and on
// request); a fix changes labels (one undoable step) or the class balance setting, then the data is
// checked again.

#include "ui/BackgroundJob.h"
#include "ui/WindowController.h"

namespace attune {
struct HealthFinding;
}

namespace attune::ui {

class DataHealthView;
class LabelStore;
class TrainingSettingsPanel;

class HealthController : public WindowController {
  Q_OBJECT

 public:
  HealthController(ProjectDocument& document, LabelStore* labels, DataHealthView* view,
                   TrainingSettingsPanel* settings, QWidget* window);

  void check();
  // Another project: the findings of the last one go.
  void clear();
  bool isChecking() const { return m_job.isRunning(); }

 private:
  void fix(const HealthFinding& finding);

  LabelStore* m_labels;
  DataHealthView* m_view;
  TrainingSettingsPanel* m_settings;
  BackgroundJob m_job;
};

}  // namespace attune::ui
