#pragma once
// The run report: one self-contained HTML page (charts as inline SVG) or a PDF (through Qt's text
// document and PDF writer) for people who do not read plots: the data summary, the settings in plain
// words, the training curves, the evaluation (headline figures, confusion matrix, per-class table,
// reliability diagram) and plain-language findings.

#include "core/common/Result.h"
#include "core/eval/Evaluation.h"
#include "core/eval/ReportChart.h"
#include "core/eval/SavedRun.h"

#include <QString>

#include <utility>
#include <vector>

namespace attune {

enum class ReportCharts {
  InlineSvg,  // <svg> elements in the page (browsers)
  Images,     // <img src="chart-N.png"> naming `RunReportDocument::charts` (Qt's text document)
};

struct RunReportDocument {
  QString html;
  std::vector<std::pair<QString, ReportChart>> charts;  // image name and chart, for ReportCharts::Images
};

RunReportDocument runReport(const SavedRun& run, const RunEvaluation& evaluation, ReportCharts charts);

// Writes the report to `path`: HTML when it ends in .html/.htm, PDF when it ends in .pdf (which needs a
// QGuiApplication; attune-cli makes one for this command). Written atomically.
Status writeRunReport(const SavedRun& run, const RunEvaluation& evaluation, const QString& path);

}  // namespace attune
