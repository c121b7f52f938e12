#include "core/eval/RunReport.h"

#include "core/common/AtomicFile.h"
#include "core/common/Version.h"
#include "core/eval/RunFindings.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QGuiApplication>
#include <QPdfWriter>
#include <QTextDocument>
#include <QUrl>

#include <algorithm>
#include <cmath>

namespace attune {
namespace {

// Two charts side by side fit an A4 page (Qt lays the PDF out at 96 pixels per inch).
constexpr int kChartWidth = 340;
constexpr int kChartHeight = 240;

// Sizes in points: Qt's text document and browsers read them alike.
const char* kStyle =
    R"(body { font-family: sans-serif; font-size: 10pt; color: #222; max-width: 760px; margin: 20px auto; }
h1 { font-size: 17pt; margin-bottom: 4px; }
h2 { font-size: 13pt; margin-top: 18px; color: #1a4d80; }
h3 { font-size: 11pt; margin-top: 12px; }
table.grid { border-collapse: collapse; }
table.grid td, table.grid th { border: 1px solid #c8c8c8; padding: 3px 8px; }
th { background-color: #f0f0f0; }
td.num { text-align: right; }
.headline { font-size: 12pt; }
.warning { color: #a32020; }
.good { color: #1e6b3a; }
.small { color: #555; font-size: 8pt; })";

QString escaped(const QString& text) {
  return text.toHtmlEscaped();
}

QString percent(double share) {
  return QString::number(100.0 * share, 'f', 1) + QLatin1Char('%');
}

QString fixed(double value) {
  return std::isfinite(value) ? QString::number(value, 'f', 3) : QStringLiteral("–");
}

QString mix(const QColor& from, const QColor& to, double share) {
  share = std::clamp(share, 0.0, 1.0);
  auto channel = [share](int a, int b) { return int(std::lround(a + (b - a) * share)); };
  return QColor(channel(from.red(), to.red()), channel(from.green(), to.green()),
                channel(from.blue(), to.blue()))
      .name();
}

ReportChart curveChart(const SavedRun& run, bool accuracy) {
  ReportChart chart;
  chart.title = accuracy ? QStringLiteral("Accuracy") : QStringLiteral("Loss (lower is better)");
  chart.xLabel = QStringLiteral("epoch");
  chart.yLabel = accuracy ? QStringLiteral("accuracy") : QStringLiteral("loss");
  ChartSeries train{QStringLiteral("training"), QStringLiteral("#1f77b4"), {}};
  ChartSeries validation{QStringLiteral("validation"), QStringLiteral("#d62728"), {}};
  for (const EpochRecord& e : run.epochs) {
    train.points.emplace_back(e.epoch, accuracy ? e.trainAccuracy : e.trainLoss);
    validation.points.emplace_back(e.epoch, accuracy ? e.valAccuracy : e.valLoss);
  }
  chart.series = {train, validation};
  chart.fitRanges(true);
  if (accuracy) {
    chart.yMin = 0.0;
    chart.yMax = 1.0;
  }
  if (chart.xMax - chart.xMin < 1.0) chart.xMax = chart.xMin + 1.0;
  if (const int best = run.bestEpoch(); best > 0) {
    chart.markX = best;
    chart.markLabel = QStringLiteral("best (epoch %1)").arg(best);
  }
  return chart;
}

ReportChart reliabilityChart(const ClassificationMetrics& m) {
  ReportChart chart;
  chart.title = QStringLiteral("Calibration");
  chart.xLabel = QStringLiteral("confidence of the answer");
  chart.yLabel = QStringLiteral("share right");
  ChartSeries bars{QStringLiteral("share right"), QStringLiteral("#4a90c8"), {}};
  bars.bars = true;
  for (const CalibrationBin& b : m.calibration) {
    bars.barWidth = (b.upper - b.lower) * 0.85;
    if (b.count > 0) bars.points.emplace_back((b.lower + b.upper) / 2, b.accuracy);
  }
  ChartSeries ideal{
      QStringLiteral("perfectly calibrated"), QStringLiteral("#888888"), {{0.0, 0.0}, {1.0, 1.0}}};
  ideal.dashed = true;
  chart.series = {bars, ideal};
  return chart;
}

class Page {
 public:
  Page(ReportCharts mode, RunReportDocument& document) : m_mode(mode), m_document(document) {}

  QString chart(const ReportChart& chart) {
    if (m_mode == ReportCharts::InlineSvg)
      return chartSvg(chart, kChartWidth, kChartHeight) + QLatin1Char('\n');
    const QString name = QStringLiteral("chart-%1.png").arg(m_document.charts.size());
    m_document.charts.emplace_back(name, chart);
    return QStringLiteral("<img src=\"%1\" width=\"%2\" height=\"%3\" alt=\"%4\">")
        .arg(name)
        .arg(kChartWidth)
        .arg(kChartHeight)
        .arg(escaped(chart.title));
  }

 private:
  ReportCharts m_mode;
  RunReportDocument& m_document;
};

QString findingsHtml(const std::vector<Finding>& findings) {
  QString html = QStringLiteral("<ul>\n");
  for (const Finding& f : findings) {
    const char* kind = f.kind == Finding::Warning ? "warning" : f.kind == Finding::Good ? "good" : "note";
    const QString mark = f.kind == Finding::Warning ? QStringLiteral("⚠ ")
                         : f.kind == Finding::Good  ? QStringLiteral("✓ ")
                                                    : QString();
    html += QStringLiteral("<li class=\"%1\">%2%3</li>\n").arg(QLatin1String(kind), mark, escaped(f.text));
  }
  return html + QStringLiteral("</ul>\n");
}

QString confusionHtml(const RunEvaluation& e) {
  const ClassificationMetrics& m = e.metrics;
  QString html = QStringLiteral(
      "<p class=\"small\">Rows: the true class. Columns: the model's answer. Each cell: how many examples, "
      "and "
      "their share of the row. The diagonal (green) is right.</p>\n<table class=\"grid\">\n<tr><th>true \\ "
      "predicted</th>");
  for (const QString& name : e.classes) html += QStringLiteral("<th>%1</th>").arg(escaped(name));
  html += QStringLiteral("</tr>\n");
  for (size_t t = 0; t < m.confusion.size(); ++t) {
    html += QStringLiteral("<tr><th>%1</th>").arg(escaped(e.classes.value(qsizetype(t))));
    const int support = m.classes[t].support;
    for (size_t p = 0; p < m.confusion[t].size(); ++p) {
      const int count = m.confusion[t][p];
      const double share = support > 0 ? double(count) / support : 0.0;
      const QString colour =
          mix(QColor(Qt::white), t == p ? QColor(0x2e, 0x8b, 0x57) : QColor(0xc6, 0x28, 0x28), share);
      const QString ink = share > 0.55 ? QStringLiteral("#ffffff") : QStringLiteral("#222222");
      html += QStringLiteral(
                  "<td class=\"num\" bgcolor=\"%1\" style=\"background-color: %1; color: %2\">%3<br>"
                  "<span style=\"font-size: 8pt\">%4</span></td>")
                  .arg(colour, ink)
                  .arg(count)
                  .arg(support > 0 ? percent(share) : QStringLiteral("–"));
    }
    html += QStringLiteral("</tr>\n");
  }
  return html + QStringLiteral("</table>\n");
}

QString classTableHtml(const SavedRun& run, const RunEvaluation& e) {
  const ClassificationMetrics& m = e.metrics;
  const bool counts = run.trainClassCounts.size() == m.classes.size();
  QString html = QStringLiteral(
                     "<table class=\"grid\">\n<tr><th>class</th>%1<th>validation examples</th>"
                     "<th>precision</th><th>recall</th><th>F1</th></tr>\n")
                     .arg(counts ? QStringLiteral("<th>training examples</th>") : QString());
  for (size_t c = 0; c < m.classes.size(); ++c) {
    const ClassMetrics& k = m.classes[c];
    html += QStringLiteral(
                "<tr><td>%1</td>%2<td class=\"num\">%3</td><td class=\"num\">%4</td><td "
                "class=\"num\">%5</td><td class=\"num\">%6</td></tr>\n")
                .arg(escaped(k.name),
                     counts ? QStringLiteral("<td class=\"num\">%1</td>").arg(run.trainClassCounts[c])
                            : QString())
                .arg(k.support)
                .arg(fixed(k.precision), fixed(k.recall), fixed(k.f1));
  }
  html += QStringLiteral(
              "<tr><td><i>average over classes</i></td>%1<td></td><td class=\"num\">%2</td><td "
              "class=\"num\">%3</td><td class=\"num\">%4</td></tr>\n")
              .arg(counts ? QStringLiteral("<td></td>") : QString())
              .arg(fixed(m.macroPrecision), fixed(m.macroRecall), fixed(m.macroF1));
  html += QStringLiteral(
              "<tr><td><i>average over examples</i></td>%1<td class=\"num\">%2</td><td "
              "class=\"num\">%3</td><td class=\"num\">%4</td><td class=\"num\">%5</td></tr>\n")
              .arg(counts ? QStringLiteral("<td class=\"num\">%1</td>").arg(run.trainCount) : QString())
              .arg(m.count)
              .arg(fixed(m.weightedPrecision), fixed(m.weightedRecall), fixed(m.weightedF1));
  return html + QStringLiteral(
                    "</table>\n<p class=\"small\">Precision: of the examples the model gave this class, "
                    "the share that were right. Recall: of this class's examples, the share the model "
                    "found. F1 combines the two.</p>\n");
}

}  // namespace

RunReportDocument runReport(const SavedRun& run, const RunEvaluation& e, ReportCharts mode) {
  RunReportDocument document;
  Page page(mode, document);
  const ClassificationMetrics& m = e.metrics;
  const QString project = run.projectName.isEmpty() ? QStringLiteral("project") : run.projectName;
  const bool texts = run.task == TaskKind::TextClassification;
  const QString examples = texts ? QStringLiteral("texts") : QStringLiteral("images");

  QString html;
  html += QStringLiteral(
              "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Run report: "
              "%1, run %2</title>\n<style>\n%3\n</style>\n</head>\n<body>\n")
              .arg(escaped(project), escaped(run.id), QLatin1String(kStyle));
  html += QStringLiteral("<h1>Run report: %1</h1>\n").arg(escaped(project));
  html += QStringLiteral("<p class=\"small\">Run %1, started %2 on %3. Evaluated with %4 on %5.</p>\n")
              .arg(escaped(run.id), escaped(run.startedAt),
                   escaped(run.device.isEmpty() ? QStringLiteral("cpu") : run.device),
                   escaped(e.folds > 0 ? answeredBy(e)
                                       : QStringLiteral("the %1 checkpoint (epoch %2)")
                                             .arg(QFileInfo(e.checkpoint).completeBaseName())
                                             .arg(e.epoch)),
                   escaped(e.examples.source));
  html += QStringLiteral(
              "<p class=\"headline\"><b>Accuracy %1</b> on %2 %3 (balanced accuracy %4, average F1 "
              "%5).</p>\n")
              .arg(percent(m.accuracy))
              .arg(m.count)
              .arg(examples, percent(m.balancedAccuracy), fixed(m.macroF1));

  html += QStringLiteral("<h2>What we found</h2>\n") + findingsHtml(runFindings(run, &e));

  html +=
      QStringLiteral(
          "<h2>The data</h2>\n<p>%1 classes: %2. %3 %4 to train on and %5 to validate on (held out "
          "from training).%6</p>\n")
          .arg(run.classes.size())
          .arg(escaped(run.classes.join(QStringLiteral(", "))))
          .arg(run.trainCount)
          .arg(examples)
          .arg(run.valCount)
          .arg(run.dataVersion.isEmpty() ? QString()
                                         : QStringLiteral(" <span class=\"small\">Data version %1.</span>")
                                               .arg(run.dataVersion.left(12)));

  html += QStringLiteral("<h2>The settings in plain words</h2>\n<ul>\n");
  for (const QString& line : plainSettings(run)) html += QStringLiteral("<li>%1</li>\n").arg(escaped(line));
  html += QStringLiteral("</ul>\n");

  html += QStringLiteral("<h2>Training curves</h2>\n");
  if (run.epochs.empty())
    html += QStringLiteral("<p>This run recorded no finished epoch.</p>\n");
  else
    html += QStringLiteral("<table><tr><td>%1</td><td>%2</td></tr></table>\n")
                .arg(page.chart(curveChart(run, false)), page.chart(curveChart(run, true)));

  html += QStringLiteral(
              "<h2>How good the model is</h2>\n<table class=\"grid\">\n"
              "<tr><td>accuracy</td><td class=\"num\">%1</td></tr>\n"
              "<tr><td>balanced accuracy (every class counts the same)</td><td class=\"num\">%2</td></tr>\n"
              "<tr><td>log-loss (lower is better)</td><td class=\"num\">%3</td></tr>\n"
              "<tr><td>calibration error (ECE, lower is better)</td><td class=\"num\">%4</td></tr>\n"
              "</table>\n")
              .arg(percent(m.accuracy), percent(m.balancedAccuracy), fixed(m.logLoss),
                   fixed(m.expectedCalibrationError));
  html += QStringLiteral("<h3>Confusion matrix</h3>\n") + confusionHtml(e);
  html += QStringLiteral("<h3>Per class</h3>\n") + classTableHtml(run, e);
  html += QStringLiteral("<h3>Calibration</h3>\n<p>") + page.chart(reliabilityChart(m)) +
          QStringLiteral(
              "</p>\n<p class=\"small\">Each bar: of the answers given with about that confidence, "
              "the share that were right. Bars on the dashed line mean the confidence can be taken "
              "at its word.</p>\n");
  html += QStringLiteral("<p class=\"small\">Made by Attune %1 on %2.</p>\n</body>\n</html>\n")
              .arg(attuneVersion(), QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
  document.html = html;
  return document;
}

Status writeRunReport(const SavedRun& run, const RunEvaluation& evaluation, const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  const bool pdf = suffix == QLatin1String("pdf");
  if (!pdf && suffix != QLatin1String("html") && suffix != QLatin1String("htm"))
    return Error(ErrorCode::BadValue,
                 QStringLiteral("A report is written as .html or .pdf, not %1.").arg(path),
                 QStringLiteral("Give the file name an .html or .pdf ending."));
  if (pdf && !qobject_cast<QGuiApplication*>(QCoreApplication::instance()))
    return Error(ErrorCode::Internal, QStringLiteral("A PDF report needs Qt's graphics (a QGuiApplication)."),
                 QStringLiteral("Write the report as .html instead."));
  AtomicFile file(path);
  if (auto opened = file.open(); !opened) return opened;
  if (!pdf) {
    const QByteArray bytes = runReport(run, evaluation, ReportCharts::InlineSvg).html.toUtf8();
    if (file.write(bytes) != bytes.size()) return file.writeFailure();
  } else {
    const RunReportDocument document = runReport(run, evaluation, ReportCharts::Images);
    QTextDocument text;
    for (const auto& [name, chart] : document.charts)
      text.addResource(QTextDocument::ImageResource, QUrl(name),
                       chartImage(chart, kChartWidth, kChartHeight));
    text.setHtml(document.html);
    QPdfWriter writer(&file);
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setPageMargins(QMarginsF(12, 12, 12, 12), QPageLayout::Millimeter);
    writer.setTitle(QStringLiteral("Run report: %1, run %2").arg(run.projectName, run.id));
    writer.setCreator(QStringLiteral("Attune %1").arg(attuneVersion()));
    text.print(&writer);
  }
  // QPdfWriter ignores a failed write; the commit does not.
  return file.commit();
}

}  // namespace attune
