#include "ui/RatePreviewPlot.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace attune::ui {
namespace {

constexpr int kPlotHeight_px = 210;
constexpr double kLogMargin = 1.6;  // room above and below the extreme rates, as a factor

// Distinguishable for up to 10 groups (matplotlib's tab10); more groups reuse them.
const QColor kGroupColors[] = {{31, 119, 180},  {255, 127, 14}, {44, 160, 44},   {214, 39, 40},
                               {148, 103, 189}, {140, 86, 75},  {227, 119, 194}, {127, 127, 127},
                               {188, 189, 34},  {23, 190, 207}};

}  // namespace

RatePreviewPlot::RatePreviewPlot(QWidget* parent) : QWidget(parent) {
  m_plot = new QCustomPlot(this);
  m_plot->setObjectName(QStringLiteral("ratePreviewPlot"));
  m_plot->setMinimumHeight(kPlotHeight_px);
  m_plot->setToolTip(
      tr("How fast each group of layers will learn during the run, epoch by epoch. A line starts "
         "late when its layers start frozen."));
  m_plot->xAxis->setLabel(tr("epoch"));
  m_plot->yAxis->setLabel(tr("learning rate"));
  m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
  auto ticker = QSharedPointer<QCPAxisTickerLog>::create();
  m_plot->yAxis->setTicker(ticker);
  m_plot->yAxis->setNumberFormat(QStringLiteral("eb"));
  m_plot->yAxis->setNumberPrecision(0);
  // The legend sits in a row above the axes, where it hides no line.
  m_plot->legend->setVisible(true);
  m_plot->legend->setBrush(Qt::NoBrush);
  m_plot->legend->setBorderPen(Qt::NoPen);
  m_plot->legend->setFillOrder(QCPLegend::foColumnsFirst);
  m_plot->legend->setWrap(4);
  m_plot->axisRect()->insetLayout()->take(m_plot->legend);
  m_plot->plotLayout()->insertRow(0);
  m_plot->plotLayout()->addElement(0, 0, m_plot->legend);
  m_plot->plotLayout()->setRowStretchFactor(0, 0.001);
  m_plot->plotLayout()->setRowSpacing(0);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_plot);
}

void RatePreviewPlot::setPreview(const TrainingConfig& config, const std::vector<LayerGroupPlan>& plan,
                                 int64_t stepsPerEpoch) {
  m_plot->clearGraphs();
  if (plan.empty()) {
    m_plot->replot();
    return;
  }
  stepsPerEpoch = std::max<int64_t>(1, stepsPerEpoch);
  const RatePreview preview = previewRates(config, plan, stepsPerEpoch);
  QVector<double> epochs;
  epochs.reserve(qsizetype(preview.steps.size()));
  for (double step : preview.steps) epochs << step / double(stepsPerEpoch);
  double lowest = std::numeric_limits<double>::infinity();
  double highest = 0.0;
  for (size_t g = 0; g < plan.size() && g < preview.rates.size(); ++g) {
    QVector<double> rates;
    rates.reserve(epochs.size());
    for (double rate : preview.rates[g]) {
      // A log axis has no 0: a frozen stretch becomes a gap (QCustomPlot leaves NaN points out).
      rates << (rate > 0.0 ? rate : std::numeric_limits<double>::quiet_NaN());
      if (rate > 0.0) {
        lowest = std::min(lowest, rate);
        highest = std::max(highest, rate);
      }
    }
    QCPGraph* graph = m_plot->addGraph();
    graph->setName(plan[g].name);
    graph->setPen(QPen(kGroupColors[g % std::size(kGroupColors)], plan[g].isHead ? 2.0 : 1.5));
    graph->setData(epochs, rates, true);
  }
  m_plot->xAxis->setRange(0.0, std::max(1, config.epochs));
  if (highest > 0.0)
    m_plot->yAxis->setRange(lowest / kLogMargin, highest * kLogMargin);
  else
    m_plot->yAxis->setRange(1e-6, 1e-2);
  m_plot->replot();
}

}  // namespace attune::ui
