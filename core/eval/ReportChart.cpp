#include "core/eval/ReportChart.h"

#include <QPainter>
#include <QPainterPath>
#include <QPolygonF>

#include <algorithm>
#include <cmath>

namespace attune {
namespace {

// What the chart is made of, in pixels: computed once, then written as SVG or painted.
struct Shape {
  enum Kind { Polyline, Rect, Text } kind = Polyline;
  std::vector<QPointF> points;  // Polyline
  QRectF rect;                  // Rect
  QPointF at;                   // Text: its anchor (baseline)
  QString text;
  QString color = QStringLiteral("#000000");
  double width = 1.0;
  bool dashed = false;
  bool filled = false;
  double fontSize = 11.0;
  enum Align { Start, Middle, End } align = Start;
  bool vertical = false;  // Text turned a quarter anticlockwise around `at`
};

QString tickText(double value, double step) {
  const int decimals = step >= 1.0 ? 0 : std::min(4, int(std::ceil(-std::log10(step))));
  return QString::number(value, 'f', decimals);
}

double tickStep(double low, double high, int count) {
  const double raw = (high - low) / std::max(1, count);
  if (!(raw > 0.0) || !std::isfinite(raw)) return 1.0;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double factor : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= factor * magnitude) return factor * magnitude;
  return 10.0 * magnitude;
}

std::vector<Shape> layout(const ReportChart& chart, int width, int height) {
  std::vector<Shape> shapes;
  // The title and the legend above the plot, the axis titles and tick labels left of and below it.
  const QRectF plot(QPointF(56, 46), QPointF(width - 14, height - 42));
  const double xSpan = chart.xMax > chart.xMin ? chart.xMax - chart.xMin : 1.0;
  const double ySpan = chart.yMax > chart.yMin ? chart.yMax - chart.yMin : 1.0;
  auto map = [&](double x, double y) {
    return QPointF(plot.left() + (x - chart.xMin) / xSpan * plot.width(),
                   plot.bottom() - (y - chart.yMin) / ySpan * plot.height());
  };
  auto text = [&](QPointF at, QString words, Shape::Align align, double size = 11.0) {
    Shape s;
    s.kind = Shape::Text;
    s.at = at;
    s.text = std::move(words);
    s.align = align;
    s.fontSize = size;
    s.color = QStringLiteral("#333333");
    return s;
  };
  auto line = [](std::vector<QPointF> points, QString color, double width, bool dashed = false) {
    Shape s;
    s.points = std::move(points);
    s.color = std::move(color);
    s.width = width;
    s.dashed = dashed;
    return s;
  };

  shapes.push_back(text(QPointF(plot.left(), 18), chart.title, Shape::Start, 13.0));
  const double yStep = tickStep(chart.yMin, chart.yMax, 5);
  for (double y : niceTicks(chart.yMin, chart.yMax, 5)) {
    const QPointF p = map(chart.xMin, y);
    shapes.push_back(line({p, QPointF(plot.right(), p.y())}, QStringLiteral("#e4e4e4"), 1.0));
    shapes.push_back(text(QPointF(plot.left() - 6, p.y() + 4), tickText(y, yStep), Shape::End, 10.0));
  }
  const double xStep = tickStep(chart.xMin, chart.xMax, 6);
  for (double x : niceTicks(chart.xMin, chart.xMax, 6)) {
    const QPointF p = map(x, chart.yMin);
    shapes.push_back(line({p, QPointF(p.x(), p.y() + 4)}, QStringLiteral("#666666"), 1.0));
    shapes.push_back(text(QPointF(p.x(), p.y() + 16), tickText(x, xStep), Shape::Middle, 10.0));
  }
  shapes.push_back(line({plot.bottomLeft(), plot.bottomRight()}, QStringLiteral("#666666"), 1.0));
  shapes.push_back(line({plot.bottomLeft(), plot.topLeft()}, QStringLiteral("#666666"), 1.0));
  shapes.push_back(text(QPointF(plot.center().x(), height - 6), chart.xLabel, Shape::Middle));
  Shape yTitle = text(QPointF(14, plot.center().y()), chart.yLabel, Shape::Middle);
  yTitle.vertical = true;
  shapes.push_back(yTitle);

  if (chart.markX >= chart.xMin && chart.markX <= chart.xMax) {
    const QPointF bottom = map(chart.markX, chart.yMin), top = map(chart.markX, chart.yMax);
    shapes.push_back(line({bottom, top}, QStringLiteral("#999999"), 1.0, true));
    const bool rightHalf = top.x() > plot.center().x();
    shapes.push_back(text(QPointF(top.x() + (rightHalf ? -4 : 4), top.y() + 12), chart.markLabel,
                          rightHalf ? Shape::End : Shape::Start, 10.0));
  }

  for (const ChartSeries& series : chart.series) {
    if (series.bars) {
      for (const QPointF& point : series.points) {
        Shape bar;
        bar.kind = Shape::Rect;
        bar.rect = QRectF(map(point.x() - series.barWidth / 2, point.y()),
                          map(point.x() + series.barWidth / 2, chart.yMin))
                       .normalized();
        bar.color = series.color;
        bar.filled = true;
        shapes.push_back(bar);
      }
      continue;
    }
    std::vector<QPointF> points;
    for (const QPointF& point : series.points)
      if (std::isfinite(point.y())) points.push_back(map(point.x(), point.y()));
    if (points.size() == 1) points.push_back(points.front() + QPointF(0.5, 0));
    shapes.push_back(line(std::move(points), series.color, 2.0, series.dashed));
  }

  // The legend: the named series in a row between the title and the plot, from the left.
  double x = plot.left();
  for (const ChartSeries& series : chart.series) {
    if (series.name.isEmpty()) continue;
    shapes.push_back(
        line({QPointF(x, 32), QPointF(x + 18, 32)}, series.color, series.bars ? 6.0 : 2.0, series.dashed));
    shapes.push_back(text(QPointF(x + 22, 36), series.name, Shape::Start, 10.0));
    x += 30 + 6.0 * series.name.size();
  }
  return shapes;
}

QString escaped(const QString& text) {
  return text.toHtmlEscaped();
}

QString coordinate(double value) {
  return QString::number(value, 'f', 1);
}

}  // namespace

void ReportChart::fitRanges(bool yFromZero) {
  bool any = false;
  double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
  for (const ChartSeries& s : series)
    for (const QPointF& p : s.points) {
      if (!std::isfinite(p.x()) || !std::isfinite(p.y())) continue;
      if (!any) {
        x0 = x1 = p.x();
        y0 = y1 = p.y();
        any = true;
      }
      x0 = std::min(x0, p.x());
      x1 = std::max(x1, p.x());
      y0 = std::min(y0, p.y());
      y1 = std::max(y1, p.y());
    }
  if (!any) return;
  if (yFromZero) y0 = std::min(0.0, y0);
  if (x1 <= x0) x1 = x0 + 1.0;
  if (y1 <= y0) y1 = y0 + 1.0;
  const double step = tickStep(y0, y1, 5);
  xMin = x0;
  xMax = x1;
  yMin = std::floor(y0 / step) * step;
  yMax = std::ceil(y1 / step) * step;
}

std::vector<double> niceTicks(double low, double high, int count) {
  std::vector<double> ticks;
  if (!(high > low)) return {low};
  const double step = tickStep(low, high, count);
  const double first = std::ceil(low / step - 1e-9);
  for (int i = 0;; ++i) {
    const double v = (first + i) * step;
    if (v > high + step * 1e-9) break;
    ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  }
  return ticks;
}

QString chartSvg(const ReportChart& chart, int width, int height) {
  QString svg =
      QStringLiteral(
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%1\" height=\"%2\" viewBox=\"0 0 %1 %2\" "
          "font-family=\"sans-serif\" role=\"img\" aria-label=\"%3\">\n"
          "<rect width=\"%1\" height=\"%2\" fill=\"#ffffff\"/>\n")
          .arg(width)
          .arg(height)
          .arg(escaped(chart.title));
  for (const Shape& s : layout(chart, width, height)) {
    switch (s.kind) {
      case Shape::Polyline: {
        QStringList points;
        for (const QPointF& p : s.points) points << coordinate(p.x()) + QLatin1Char(',') + coordinate(p.y());
        svg += QStringLiteral("<polyline fill=\"none\" stroke=\"%1\" stroke-width=\"%2\"%3 points=\"%4\"/>\n")
                   .arg(s.color)
                   .arg(s.width)
                   .arg(s.dashed ? QStringLiteral(" stroke-dasharray=\"5,4\"") : QString())
                   .arg(points.join(QLatin1Char(' ')));
        break;
      }
      case Shape::Rect:
        svg += QStringLiteral("<rect x=\"%1\" y=\"%2\" width=\"%3\" height=\"%4\" fill=\"%5\"/>\n")
                   .arg(coordinate(s.rect.x()), coordinate(s.rect.y()), coordinate(s.rect.width()),
                        coordinate(s.rect.height()), s.color);
        break;
      case Shape::Text: {
        const char* anchor = s.align == Shape::Start ? "start" : s.align == Shape::Middle ? "middle" : "end";
        const QString turn = s.vertical ? QStringLiteral(" transform=\"rotate(-90 %1 %2)\"")
                                              .arg(coordinate(s.at.x()), coordinate(s.at.y()))
                                        : QString();
        svg += QStringLiteral(
                   "<text x=\"%1\" y=\"%2\" font-size=\"%3\" fill=\"%4\" text-anchor=\"%5\"%6>%7</text>\n")
                   .arg(coordinate(s.at.x()), coordinate(s.at.y()))
                   .arg(s.fontSize)
                   .arg(s.color, QLatin1String(anchor), turn, escaped(s.text));
        break;
      }
    }
  }
  return svg + QStringLiteral("</svg>");
}

QImage chartImage(const ReportChart& chart, int width, int height) {
  // Drawn at twice the size so that the PDF stays sharp when printed.
  constexpr int scale = 2;
  QImage image(width * scale, height * scale, QImage::Format_RGB32);
  image.fill(Qt::white);
  QPainter painter(&image);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.scale(scale, scale);
  for (const Shape& s : layout(chart, width, height)) {
    const QColor color(s.color);
    switch (s.kind) {
      case Shape::Polyline: {
        QPen pen(color, s.width);
        if (s.dashed) pen.setStyle(Qt::DashLine);
        painter.setPen(pen);
        painter.drawPolyline(QPolygonF(QList<QPointF>(s.points.begin(), s.points.end())));
        break;
      }
      case Shape::Rect:
        painter.fillRect(s.rect, color);
        break;
      case Shape::Text: {
        QFont font = painter.font();
        font.setPixelSize(int(s.fontSize));
        painter.setFont(font);
        painter.setPen(color);
        const double advance = painter.fontMetrics().horizontalAdvance(s.text);
        const double shift = s.align == Shape::Start    ? 0.0
                             : s.align == Shape::Middle ? -advance / 2
                                                        : -advance;
        painter.save();
        painter.translate(s.at);
        if (s.vertical) painter.rotate(-90);
        painter.drawText(QPointF(shift, 0), s.text);
        painter.restore();
        break;
      }
    }
  }
  return image;
}

}  // namespace attune
