#pragma once
// The Training tab's actions: a run started from the project's settings (or continued from an
// earlier run's epoch, or the labelling loop's quick run), watched on the charts and the run panel,
// stopped, recorded in the project when it ends; and the settings panel's LR finder.

#include "ui/WindowController.h"

namespace attune {
struct RunSummary;
}

namespace attune::ui {

class LabelView;
class RunController;
class RunEngine;
class RunPanel;
class TrainingCharts;
class TrainingSettingsPanel;

class TrainingController : public WindowController {
  Q_OBJECT

 public:
  struct Views {
    TrainingSettingsPanel* settings = nullptr;
    TrainingCharts* charts = nullptr;
    RunPanel* runPanel = nullptr;
    LabelView* labelView = nullptr;  // counts the labels made during a run
  };

  TrainingController(ProjectDocument& document, const Views& views, QWidget* window);
  ~TrainingController() override;

  // What trains: the LibTorch engine unless a test gave a fake one (before the first run).
  void setEngine(std::unique_ptr<RunEngine> engine);

  bool isTraining() const;
  // `fromRun` empty: a new run; else a run whose model starts from `fromRun`'s model at `fromEpoch`.
  // `quick`: the Quick preset on a copy of the settings (the labelling loop's Retrain Quickly).
  // Returns false (after saying why) when no run started.
  bool startRun(const QString& fromRun = {}, int fromEpoch = 0, bool quick = false);
  void stop();
  // Stops a run and waits for its end (one training step at most); the run is recorded.
  void stopAndWait();
  // The LR range test on the project as it is set now, in a dialog whose suggestion goes back to
  // the settings panel.
  void findLearningRate();

 signals:
  // After the run was recorded in the project (and the project saved).
  void runEnded(const attune::RunSummary& summary);

 private:
  void onRunEnded(const RunSummary& summary, const QString& startedAt);

  Views m_views;
  RunController* m_runs;
};

}  // namespace attune::ui
