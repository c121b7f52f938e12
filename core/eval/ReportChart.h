#pragma once
// A small chart for the run report: line series (training curves) or bars (the reliability diagram)
// over numeric axes, drawn either as SVG text (the HTML report, no Qt Gui needed) or onto a QImage
// (the PDF report, which needs a QGuiApplication for its fonts). Both drawings share one layout, so
// the two reports show the same chart.

#include <QImage>
#include <QPointF>
#include <QString>

#include <vector>

namespace attune {

struct ChartSeries {
  QString name;
  QString color;  // "#1f77b4"
  std::vector<QPointF> points;
  bool bars = false;    // bars of width barWidth centred on each x, from 0 up to y
  bool dashed = false;  // a dashed line (a reference such as the diagonal of perfect calibration)
  double barWidth = 0.0;
};

struct ReportChart {
  QString title;
  QString xLabel;
  QString yLabel;
  double xMin = 0.0, xMax = 1.0, yMin = 0.0, yMax = 1.0;
  std::vector<ChartSeries> series;
  double markX = -1.0;  // a vertical marker (the best epoch) when >= xMin
  QString markLabel;

  // Sets the ranges to hold every series point (y from 0 at most when yFromZero), on round ticks.
  void fitRanges(bool yFromZero);
};

// The chart as an <svg> element of the given size in pixels.
QString chartSvg(const ReportChart& chart, int width, int height);
// The chart drawn on a white image of the given size (needs a QGuiApplication).
QImage chartImage(const ReportChart& chart, int width, int height);

// Round tick values covering [low, high], about `count` of them.
std::vector<double> niceTicks(double low, double high, int count);

}  // namespace attune
