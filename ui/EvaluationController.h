#pragma once
// The Evaluation tab's actions: a run's model evaluated on its validation split, on a worker, and
// shown with its per-epoch answers (the epoch slider).

#include "ui/BackgroundJob.h"
#include "ui/WindowController.h"

namespace attune {
struct EvaluationRequest;
}

namespace attune::ui {

class EvaluationView;

class EvaluationController : public WindowController {
  Q_OBJECT

 public:
  EvaluationController(ProjectDocument& document, EvaluationView* view, QWidget* window);

  // The latest run's best model.
  void evaluateLatestRun();
  // The model of run `runId` at `epoch` (a point picked on the Runs tab).
  void evaluateCheckpoint(const QString& runId, int epoch);
  bool isEvaluating() const { return m_job.isRunning(); }

 private:
  void start(const EvaluationRequest& request);

  EvaluationView* m_view;
  BackgroundJob m_job;
};

}  // namespace attune::ui
