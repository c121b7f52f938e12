#include "ui/TrainingCharts.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace attune::ui {
namespace {

constexpr int kMinPlotHeight_px = 190;
constexpr double kHeadroom = 1.08;      // space above the highest loss so the line does not touch the frame
constexpr double kOutlierFactor = 3.0;  // validation losses above 3x their median do not stretch the axis

const QColor kStepLossColor(31, 119, 180, 90);
const QColor kSmoothedLossColor(31, 119, 180);
const QColor kValLossColor(255, 127, 14);
const QColor kEpochTrainLossColor(120, 120, 120);
const QColor kAccuracyColor(44, 160, 44);

QCustomPlot* makePlot(const QString& objectName, QWidget* parent) {
  auto* plot = new QCustomPlot(parent);
  plot->setObjectName(objectName);
  plot->setMinimumHeight(kMinPlotHeight_px);
  plot->setNoAntialiasingOnDrag(true);
  // The legend sits in a row of its own above the axes: inside them it would hide the curves, which
  // end up in any corner.
  plot->legend->setVisible(true);
  plot->legend->setBrush(Qt::NoBrush);
  plot->legend->setBorderPen(Qt::NoPen);
  plot->legend->setFillOrder(QCPLegend::foColumnsFirst);
  plot->axisRect()->insetLayout()->take(plot->legend);
  plot->plotLayout()->insertRow(0);
  plot->plotLayout()->addElement(0, 0, plot->legend);
  plot->plotLayout()->setRowStretchFactor(0, 0.001);
  plot->plotLayout()->setRowSpacing(0);
  return plot;
}

QCPItemText* makePlaceholder(QCustomPlot* plot, const QString& text) {
  auto* item = new QCPItemText(plot);
  item->position->setType(QCPItemPosition::ptAxisRectRatio);
  item->position->setCoords(0.5, 0.5);
  item->setText(text);
  item->setColor(QColor(130, 130, 130));
  return item;
}

QCPGraph* addGraph(QCustomPlot* plot, QCPAxis* valueAxis, const QString& name, const QPen& pen) {
  QCPGraph* graph = plot->addGraph(plot->xAxis, valueAxis);
  graph->setName(name);
  graph->setPen(pen);
  return graph;
}

}  // namespace

TrainingCharts::TrainingCharts(QWidget* parent) : QWidget(parent) {
  m_lossPlot = makePlot(QStringLiteral("lossPlot"), this);
  m_validationPlot = makePlot(QStringLiteral("validationPlot"), this);
  setUpLossPlot();
  setUpValidationPlot();
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_lossPlot, 1);
  layout->addWidget(m_validationPlot, 1);
  clear();
}

void TrainingCharts::setUpLossPlot() {
  m_lossPlot->setToolTip(
      tr("The training loss after every step: how wrong the model is on the images it "
         "just learned from. It should go down; the dark line is the trend."));
  m_lossPlot->xAxis->setLabel(tr("step"));
  m_lossPlot->yAxis->setLabel(tr("training loss"));
  m_stepLoss = addGraph(m_lossPlot, m_lossPlot->yAxis, tr("loss per step"), QPen(kStepLossColor, 1.0));
  m_smoothedLoss = addGraph(m_lossPlot, m_lossPlot->yAxis, tr("trend"), QPen(kSmoothedLossColor, 2.0));
  m_lossPlaceholder = makePlaceholder(m_lossPlot, tr("The training loss appears here once training starts."));
}

void TrainingCharts::setUpValidationPlot() {
  m_validationPlot->setToolTip(
      tr("After every epoch, the model is tested on images it never learns from. Validation accuracy is the "
         "share it gets right. When validation loss rises while training loss falls, the model starts to "
         "memorise instead of learn."));
  auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
  ticker->setTickStep(1.0);  // epochs are whole numbers
  ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
  m_validationPlot->xAxis->setTicker(ticker);
  m_validationPlot->xAxis->setLabel(tr("epoch"));
  m_validationPlot->yAxis->setLabel(tr("loss"));
  m_validationPlot->yAxis2->setVisible(true);
  m_validationPlot->yAxis2->setLabel(tr("validation accuracy (%)"));
  m_validationPlot->yAxis2->setRange(0.0, 100.0);

  m_valLoss =
      addGraph(m_validationPlot, m_validationPlot->yAxis, tr("validation loss"), QPen(kValLossColor, 2.0));
  m_valLoss->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
  QPen trainPen(kEpochTrainLossColor, 1.5, Qt::DashLine);
  m_epochTrainLoss =
      addGraph(m_validationPlot, m_validationPlot->yAxis, tr("training loss (epoch mean)"), trainPen);
  m_epochTrainLoss->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 4));
  m_valAccuracy = addGraph(m_validationPlot, m_validationPlot->yAxis2, tr("validation accuracy"),
                           QPen(kAccuracyColor, 2.0));
  m_valAccuracy->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, 6));
  m_validationPlaceholder =
      makePlaceholder(m_validationPlot, tr("Validation results appear here after each epoch."));
}

void TrainingCharts::clear() {
  for (QCPGraph* graph : {m_stepLoss, m_smoothedLoss, m_valLoss, m_valAccuracy, m_epochTrainLoss})
    graph->data()->clear();
  m_smoothedValue = 0.0;
  m_smoothedCount = 0;
  m_lossPlaceholder->setVisible(true);
  m_validationPlaceholder->setVisible(true);
  m_lossPlot->xAxis->setRange(0.0, 10.0);
  m_lossPlot->yAxis->setRange(0.0, 1.0);
  m_validationPlot->xAxis->setRange(0.5, 5.5);
  m_validationPlot->yAxis->setRange(0.0, 1.0);
  m_lossPlot->replot(QCustomPlot::rpQueuedReplot);
  m_validationPlot->replot(QCustomPlot::rpQueuedReplot);
}

void TrainingCharts::append(const std::vector<StepMetrics>& steps, const std::vector<EpochMetrics>& epochs) {
  if (steps.empty() && epochs.empty()) return;
  for (const StepMetrics& step : steps) {
    const double x = double(step.step);
    m_stepLoss->addData(x, step.trainLoss);
    m_smoothedValue = kSmoothing * m_smoothedValue + (1.0 - kSmoothing) * step.trainLoss;
    ++m_smoothedCount;
    m_smoothedLoss->addData(x, m_smoothedValue / (1.0 - std::pow(kSmoothing, m_smoothedCount)));
  }
  for (const EpochMetrics& epoch : epochs) {
    m_valLoss->addData(epoch.epoch, epoch.valLoss);
    m_epochTrainLoss->addData(epoch.epoch, epoch.trainLoss);
    m_valAccuracy->addData(epoch.epoch, epoch.valAccuracy * 100.0);
  }
  rescale();
  m_lossPlot->replot(QCustomPlot::rpQueuedReplot);
  m_validationPlot->replot(QCustomPlot::rpQueuedReplot);
}

void TrainingCharts::rescale() {
  bool found = false;
  if (!m_stepLoss->data()->isEmpty()) {
    m_lossPlaceholder->setVisible(false);
    const QCPRange steps = m_stepLoss->data()->keyRange(found);
    m_lossPlot->xAxis->setRange(0.0, std::max(steps.upper, 10.0));
    const QCPRange loss = m_stepLoss->data()->valueRange(found);
    m_lossPlot->yAxis->setRange(0.0, std::max(loss.upper * kHeadroom, 1e-3));
  }
  if (!m_valLoss->data()->isEmpty()) {
    m_validationPlaceholder->setVisible(false);
    const QCPRange epochs = m_valLoss->data()->keyRange(found);
    m_validationPlot->xAxis->setRange(0.5, std::max(epochs.upper, 5.0) + 0.5);
    m_validationPlot->yAxis->setRange(0.0, validationLossCeiling() * kHeadroom);
  }
}

double TrainingCharts::validationLossCeiling() const {
  std::vector<double> valLosses;
  for (auto it = m_valLoss->data()->constBegin(); it != m_valLoss->data()->constEnd(); ++it)
    valLosses.push_back(it->value);
  bool found = false;
  const double valMax = *std::max_element(valLosses.begin(), valLosses.end());
  const double trainMax = m_epochTrainLoss->data()->valueRange(found).upper;
  // A model starting from random weights can score a validation loss 100 times its later values in
  // the first epoch; scaling to that would flatten every later point onto the axis. Such outliers
  // leave the chart at the top (the log lists their values).
  std::nth_element(valLosses.begin(), valLosses.begin() + valLosses.size() / 2, valLosses.end());
  const double median = valLosses[valLosses.size() / 2];
  return std::max({trainMax, std::min(valMax, kOutlierFactor * median), 1e-3});
}

}  // namespace attune::ui
