#include "ui/EvaluationController.h"

#include "core/eval/EpochValidation.h"
#include "core/eval/Evaluation.h"
#include "ui/EvaluationView.h"
#include "ui/ProjectDocument.h"

namespace attune::ui {
namespace {

// What the worker hands back: the evaluation, and the run's validation at every epoch (for the
// slider; empty for older runs, which lose nothing else).
struct EvaluationOutcome {
  std::shared_ptr<const RunEvaluation> evaluation;
  std::vector<EpochValidation> epochs;
};

}  // namespace

EvaluationController::EvaluationController(ProjectDocument& document, EvaluationView* view, QWidget* window)
    : WindowController(document, window), m_view(view), m_job([&document] { return document.filePath(); }) {
  connect(m_view, &EvaluationView::evaluateRequested, this, &EvaluationController::evaluateLatestRun);
  connect(&m_job, &BackgroundJob::finished, this, &WindowController::busyChanged);
}

void EvaluationController::evaluateLatestRun() {
  start({});
}

void EvaluationController::evaluateCheckpoint(const QString& runId, int epoch) {
  EvaluationRequest request;
  request.run = runId;
  request.checkpoint = QString::number(epoch);
  start(request);
}

void EvaluationController::start(const EvaluationRequest& request) {
  if (m_document.isRunInProgress() || isEvaluating()) return;
  m_view->setMessage(tr("Evaluating…"));
  m_view->setEvaluateEnabled(false);
  m_job.start(
      m_document.filePath(),
      [project = m_document.project(), request]() -> Result<EvaluationOutcome> {
        auto evaluation = evaluateRun(project, request);
        if (!evaluation) return evaluation.error();
        EvaluationOutcome outcome;
        if (auto epochs = validationByEpoch(evaluation->runDirectory, evaluation->classes); epochs)
          outcome.epochs = std::move(*epochs);
        outcome.evaluation = std::make_shared<const RunEvaluation>(std::move(*evaluation));
        return outcome;
      },
      [this](Result<EvaluationOutcome> outcome) {
        if (!outcome) {
          m_view->setMessage(outcome.error().text(), true);
          return;
        }
        m_view->setEvaluation(outcome->evaluation);
        m_view->setEpochs(std::move(outcome->epochs));
      },
      [this] { m_view->setEvaluation(nullptr); });
  emit busyChanged();
}

}  // namespace attune::ui
