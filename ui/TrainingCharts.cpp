#include "ui/TrainingCharts.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

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
const QColor kOverfittingColor(214, 39, 40);
const QColor kFoldBoundaryColor(150, 150, 150);
// One colour per fold (matplotlib's tab10, red left out: it marks overfitting); repeats after 9 folds.
const QColor kFoldColors[] = {{31, 119, 180},  {255, 127, 14}, {44, 160, 44},
                              {148, 103, 189}, {140, 86, 75},  {227, 119, 194},
                              {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};

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
  // Marks only, no line; it enters the legend with its first mark (see appendEpoch).
  m_overfitting = addGraph(m_validationPlot, m_validationPlot->yAxis, tr("overfitting?"), Qt::NoPen);
  m_overfitting->setObjectName(QStringLiteral("overfittingMarks"));
  m_overfitting->setLineStyle(QCPGraph::lsNone);
  m_overfitting->setScatterStyle(
      QCPScatterStyle(QCPScatterStyle::ssCrossCircle, QPen(kOverfittingColor, 2.0), Qt::NoBrush, 14));
  m_overfitting->removeFromLegend();
  m_validationPlaceholder =
      makePlaceholder(m_validationPlot, tr("Validation results appear here after each epoch."));
}

void TrainingCharts::clear() {
  for (QCPGraph* graph :
       {m_stepLoss, m_smoothedLoss, m_valLoss, m_valAccuracy, m_epochTrainLoss, m_overfitting})
    graph->data()->clear();
  m_overfitting->removeFromLegend();
  for (auto& [fold, graphs] : m_folds) {
    m_validationPlot->removeGraph(graphs.valLoss);
    m_validationPlot->removeGraph(graphs.valAccuracy);
  }
  m_folds.clear();
  for (QCPAbstractItem* item : m_foldMarks) m_lossPlot->removeItem(item);
  m_foldMarks.clear();
  m_foldBoundaryCount = 0;
  m_stepFold = 0;
  setKFoldLabels(false);
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
  for (const StepMetrics& step : steps) appendStep(step);
  for (const EpochMetrics& epoch : epochs) appendEpoch(epoch);
  rescale();
  m_lossPlot->replot(QCustomPlot::rpQueuedReplot);
  m_validationPlot->replot(QCustomPlot::rpQueuedReplot);
}

void TrainingCharts::appendStep(const StepMetrics& step) {
  const double x = double(step.step);
  if (step.fold != m_stepFold) {
    // Each fold starts again from the pre-trained weights: its loss jumps back up, and a trend carried
    // over from the previous fold would hide that. The smoothed line breaks (NaN) and restarts.
    if (m_smoothedCount > 0) {
      markFoldStart(step.fold, x - 0.5);
      m_smoothedLoss->addData(x - 0.5, std::numeric_limits<double>::quiet_NaN());
    }
    m_smoothedValue = 0.0;
    m_smoothedCount = 0;
    m_stepFold = step.fold;
  }
  m_stepLoss->addData(x, step.trainLoss);
  m_smoothedValue = kSmoothing * m_smoothedValue + (1.0 - kSmoothing) * step.trainLoss;
  ++m_smoothedCount;
  m_smoothedLoss->addData(x, m_smoothedValue / (1.0 - std::pow(kSmoothing, m_smoothedCount)));
}

void TrainingCharts::appendEpoch(const EpochMetrics& epoch) {
  if (epoch.fold > 0) {
    if (m_folds.empty()) setKFoldLabels(true);
    FoldGraphs& graphs = foldGraphs(epoch.fold);
    graphs.valLoss->addData(epoch.epoch, epoch.valLoss);
    graphs.valAccuracy->addData(epoch.epoch, epoch.valAccuracy * 100.0);
  } else {
    m_valLoss->addData(epoch.epoch, epoch.valLoss);
    m_epochTrainLoss->addData(epoch.epoch, epoch.trainLoss);
    m_valAccuracy->addData(epoch.epoch, epoch.valAccuracy * 100.0);
  }
  if (epoch.overfitting) {
    if (m_overfitting->data()->isEmpty()) m_overfitting->addToLegend();
    m_overfitting->addData(epoch.epoch, epoch.valLoss);
  }
}

TrainingCharts::FoldGraphs& TrainingCharts::foldGraphs(int fold) {
  auto it = m_folds.find(fold);
  if (it != m_folds.end()) return it->second;
  const QColor color = kFoldColors[(fold - 1) % std::size(kFoldColors)];
  FoldGraphs graphs;
  // One legend entry per fold (the accuracy curve); the loss curve is the dashed one of the same colour.
  graphs.valAccuracy =
      addGraph(m_validationPlot, m_validationPlot->yAxis2, tr("fold %1").arg(fold), QPen(color, 2.0));
  graphs.valAccuracy->setObjectName(QStringLiteral("foldAccuracy%1").arg(fold));
  graphs.valAccuracy->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, 6));
  graphs.valLoss = addGraph(m_validationPlot, m_validationPlot->yAxis,
                            tr("fold %1 validation loss").arg(fold), QPen(color, 1.5, Qt::DashLine));
  graphs.valLoss->setObjectName(QStringLiteral("foldLoss%1").arg(fold));
  graphs.valLoss->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
  graphs.valLoss->removeFromLegend();
  return m_folds.emplace(fold, graphs).first->second;
}

QCPGraph* TrainingCharts::foldAccuracyGraph(int fold) const {
  const auto it = m_folds.find(fold);
  return it == m_folds.end() ? nullptr : it->second.valAccuracy;
}

QCPGraph* TrainingCharts::foldLossGraph(int fold) const {
  const auto it = m_folds.find(fold);
  return it == m_folds.end() ? nullptr : it->second.valLoss;
}

void TrainingCharts::markFoldStart(int fold, double step) {
  auto* line = new QCPItemStraightLine(m_lossPlot);
  line->setPen(QPen(kFoldBoundaryColor, 1.0, Qt::DashLine));
  line->point1->setCoords(step, 0.0);
  line->point2->setCoords(step, 1.0);
  auto* label = new QCPItemText(m_lossPlot);
  label->position->setTypeX(QCPItemPosition::ptPlotCoords);
  label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
  label->position->setCoords(step, 0.0);
  label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
  label->setPadding(QMargins(4, 2, 0, 0));
  label->setText(tr("fold %1").arg(fold));
  label->setColor(kFoldBoundaryColor.darker(130));
  m_foldMarks.push_back(line);
  m_foldMarks.push_back(label);
  ++m_foldBoundaryCount;
}

void TrainingCharts::setKFoldLabels(bool kFold) {
  // The per-fold legend names only the folds; the axes say which line style is which measure.
  m_validationPlot->yAxis->setLabel(kFold ? tr("validation loss (dashed)") : tr("loss"));
  m_validationPlot->yAxis2->setLabel(kFold ? tr("validation accuracy (%, solid)")
                                           : tr("validation accuracy (%)"));
  for (QCPGraph* graph : {m_valLoss, m_epochTrainLoss, m_valAccuracy}) {
    if (kFold)
      graph->removeFromLegend();
    else
      graph->addToLegend();
  }
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
  double lastEpoch = 0.0;
  for (QCPGraph* graph : validationLossGraphs()) {
    if (!graph->data()->isEmpty()) lastEpoch = std::max(lastEpoch, graph->data()->keyRange(found).upper);
  }
  if (lastEpoch > 0.0) {
    m_validationPlaceholder->setVisible(false);
    m_validationPlot->xAxis->setRange(0.5, std::max(lastEpoch, 5.0) + 0.5);
    m_validationPlot->yAxis->setRange(0.0, validationLossCeiling() * kHeadroom);
  }
}

std::vector<QCPGraph*> TrainingCharts::validationLossGraphs() const {
  std::vector<QCPGraph*> graphs{m_valLoss};
  for (const auto& [fold, foldGraphs] : m_folds) graphs.push_back(foldGraphs.valLoss);
  return graphs;
}

double TrainingCharts::validationLossCeiling() const {
  std::vector<double> valLosses;
  for (QCPGraph* graph : validationLossGraphs()) {
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it)
      valLosses.push_back(it->value);
  }
  if (valLosses.empty()) return 1.0;
  bool found = false;
  const double valMax = *std::max_element(valLosses.begin(), valLosses.end());
  const QCPRange trainRange = m_epochTrainLoss->data()->valueRange(found);
  const double trainMax = found ? trainRange.upper : 0.0;
  // A model starting from random weights can score a validation loss 100 times its later values in
  // the first epoch; scaling to that would flatten every later point onto the axis. Such outliers
  // leave the chart at the top (the log lists their values).
  std::nth_element(valLosses.begin(), valLosses.begin() + valLosses.size() / 2, valLosses.end());
  const double median = valLosses[valLosses.size() / 2];
  return std::max({trainMax, std::min(valMax, kOutlierFactor * median), 1e-3});
}

}  // namespace attune::ui
