#include "ui/RunHistoryView.h"

#include "core/training/RunWriter.h"
#include "ui/RunHistoryModel.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

namespace attune::ui {
namespace {

const QColor kPalette[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xd6, 0x27, 0x28), QColor(0x2c, 0xa0, 0x2c),
                           QColor(0xff, 0x7f, 0x0e), QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b),
                           QColor(0xe3, 0x77, 0xc2), QColor(0x17, 0xbe, 0xcf)};

double valueOf(const EpochRecord& e, RunHistoryView::Curve curve) {
  switch (curve) {
    case RunHistoryView::Curve::ValAccuracy:
      return 100.0 * e.valAccuracy;
    case RunHistoryView::Curve::ValLoss:
      return e.valLoss;
    case RunHistoryView::Curve::TrainLoss:
      return e.trainLoss;
    case RunHistoryView::Curve::TrainAccuracy:
      return 100.0 * e.trainAccuracy;
  }
  return 0.0;
}

}  // namespace

RunHistoryView::RunHistoryView(QWidget* parent) : QWidget(parent) {
  m_model = new RunHistoryModel(this);
  m_table = new QTableView(this);
  m_table->setObjectName(QStringLiteral("runsTable"));
  m_table->setModel(m_model);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
  m_table->verticalHeader()->hide();
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->setWordWrap(false);
  m_table->setToolTip(tr("Tick runs to draw their curves; select two to see what differs between them."));

  m_messageLabel = new QLabel(this);
  m_messageLabel->setObjectName(QStringLiteral("historyMessage"));
  m_messageLabel->setWordWrap(true);

  m_curveCombo = new QComboBox(this);
  m_curveCombo->setObjectName(QStringLiteral("curveCombo"));
  m_curveCombo->addItems(
      {tr("Validation accuracy"), tr("Validation loss"), tr("Training loss"), tr("Training accuracy")});

  m_plot = new QCustomPlot(this);
  m_plot->setObjectName(QStringLiteral("historyChart"));
  m_plot->setMinimumHeight(260);
  m_plot->xAxis->setLabel(tr("epoch"));
  m_plot->legend->setVisible(true);
  m_plot->legend->setFont(font());
  m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
  m_plot->setInteractions(QCP::iSelectPlottables);

  m_pickedLabel = new QLabel(tr("Click a point of a curve to pick that epoch's model."), this);
  m_pickedLabel->setObjectName(QStringLiteral("pickedPoint"));
  m_pickedLabel->setWordWrap(true);
  m_evaluateButton = new QPushButton(tr("Evaluate This Epoch"), this);
  m_evaluateButton->setObjectName(QStringLiteral("evaluateEpochButton"));
  m_evaluateButton->setEnabled(false);
  m_continueButton = new QPushButton(tr("Continue Training From Here"), this);
  m_continueButton->setObjectName(QStringLiteral("continueFromButton"));
  m_continueButton->setEnabled(false);
  m_continueButton->setToolTip(
      tr("Train a new run that starts from this epoch's model, with the settings on the Training tab (for "
         "example a lower learning rate, or after relabelling). The earlier run is not changed."));

  m_exportButton = new QPushButton(tr("Export This Epoch's Model..."), this);
  m_exportButton->setObjectName(QStringLiteral("exportEpochButton"));
  m_exportButton->setEnabled(false);
  m_exportButton->setToolTip(
      tr("Save this epoch's model as a folder that Attune, attune-cli predict and PyTorch tools can load "
         "without the project."));

  m_differencesTitle = new QLabel(tr("Select two runs in the table to see what differs between them."), this);
  m_differencesTitle->setObjectName(QStringLiteral("differencesTitle"));
  m_differencesTitle->setWordWrap(true);  // the Runs tab fits a 1,366 px wide screen
  m_differences = new QTableWidget(0, 3, this);
  m_differences->setObjectName(QStringLiteral("differencesTable"));
  m_differences->setHorizontalHeaderLabels({tr("Setting"), tr("First run"), tr("Second run")});
  m_differences->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  m_differences->verticalHeader()->hide();
  m_differences->setEditTriggers(QAbstractItemView::NoEditTriggers);

  auto* chartBar = new QHBoxLayout;
  chartBar->addWidget(new QLabel(tr("Curve:"), this));
  chartBar->addWidget(m_curveCombo);
  chartBar->addStretch(1);
  // The picked point's sentence gets the chart's whole width; its buttons sit on their own row.
  auto* pickButtons = new QHBoxLayout;
  pickButtons->addStretch(1);
  pickButtons->addWidget(m_evaluateButton);
  pickButtons->addWidget(m_continueButton);
  pickButtons->addWidget(m_exportButton);
  auto* pickBar = new QVBoxLayout;
  pickBar->addWidget(m_pickedLabel);
  pickBar->addLayout(pickButtons);

  auto* top = new QWidget(this);
  auto* topLayout = new QVBoxLayout(top);
  topLayout->setContentsMargins(0, 0, 0, 0);
  topLayout->addWidget(m_messageLabel);
  topLayout->addWidget(m_table);
  auto* chart = new QWidget(this);
  auto* chartLayout = new QVBoxLayout(chart);
  chartLayout->setContentsMargins(0, 0, 0, 0);
  chartLayout->addLayout(chartBar);
  chartLayout->addWidget(m_plot, 1);
  chartLayout->addLayout(pickBar);
  auto* differences = new QWidget(this);
  auto* differencesLayout = new QVBoxLayout(differences);
  differencesLayout->setContentsMargins(0, 0, 0, 0);
  differencesLayout->addWidget(m_differencesTitle);
  differencesLayout->addWidget(m_differences);
  auto* bottom = new QSplitter(Qt::Horizontal, this);
  bottom->addWidget(chart);
  bottom->addWidget(differences);
  bottom->setStretchFactor(0, 3);
  bottom->setStretchFactor(1, 2);
  auto* splitter = new QSplitter(Qt::Vertical, this);
  splitter->addWidget(top);
  splitter->addWidget(bottom);
  splitter->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(splitter);

  connect(m_model, &RunHistoryModel::shownChanged, this, &RunHistoryView::redraw);
  connect(m_curveCombo, &QComboBox::currentIndexChanged, this, [this](int index) { setCurve(Curve(index)); });
  connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          &RunHistoryView::selectionChanged);
  connect(m_plot, &QCustomPlot::plottableClick, this,
          [this](QCPAbstractPlottable* plottable, int dataIndex, QMouseEvent*) {
            for (size_t row = 0; row < m_graphs.size(); ++row)
              if (m_graphs[row] == plottable && dataIndex >= 0 && dataIndex < m_graphs[row]->dataCount())
                pickPoint(int(row), int(std::lround(m_graphs[row]->data()->at(dataIndex)->key)));
          });
  connect(m_evaluateButton, &QPushButton::clicked, this,
          [this] { emit evaluateCheckpointRequested(m_pickedRun, m_pickedEpoch); });
  connect(m_continueButton, &QPushButton::clicked, this,
          [this] { emit continueFromRequested(m_pickedRun, m_pickedEpoch); });
  connect(m_exportButton, &QPushButton::clicked, this,
          [this] { emit exportCheckpointRequested(m_pickedRun, m_pickedEpoch); });
  redraw();
}

void RunHistoryView::refresh(const Project& project) {
  QStringList skipped;
  std::vector<SavedRun> runs =
      project.filePath.isEmpty() ? std::vector<SavedRun>{} : savedRunsOf(project, &skipped);
  setRuns(std::move(runs));
  if (!skipped.isEmpty()) m_messageLabel->setText(skipped.join(QLatin1Char('\n')));
}

void RunHistoryView::setRuns(std::vector<SavedRun> runs) {
  m_pickedRun.clear();
  m_pickedEpoch = 0;
  m_evaluateButton->setEnabled(false);
  m_continueButton->setEnabled(false);
  m_exportButton->setEnabled(false);
  m_pickedLabel->setText(tr("Click a point of a curve to pick that epoch's model."));
  m_messageLabel->setText(
      runs.empty() ? tr("No runs yet: press Train, and each run will be listed here.")
                   : (runs.size() == 1 ? tr("1 run.") : tr("%1 runs.").arg(runs.size())) + QLatin1Char(' ') +
                         tr("Tick runs to draw their curves; select two to compare them."));
  m_model->setRuns(std::move(runs));
  m_differences->setRowCount(0);
}

void RunHistoryView::setCurve(Curve curve) {
  m_curve = curve;
  if (m_curveCombo->currentIndex() != int(curve)) m_curveCombo->setCurrentIndex(int(curve));
  redraw();
}

QCPGraph* RunHistoryView::graphOf(int row) const {
  return row >= 0 && size_t(row) < m_graphs.size() ? m_graphs[size_t(row)] : nullptr;
}

void RunHistoryView::redraw() {
  m_plot->clearGraphs();
  m_graphs.assign(size_t(m_model->rowCount()), nullptr);
  const bool percent = m_curve == Curve::ValAccuracy || m_curve == Curve::TrainAccuracy;
  m_plot->yAxis->setLabel(m_curveCombo->currentText() + (percent ? QStringLiteral(" (%)") : QString()));
  double maxEpoch = 1.0;
  for (int row = 0; row < m_model->rowCount(); ++row) {
    if (!m_model->isShown(row)) continue;
    const SavedRun& run = m_model->run(row);
    QCPGraph* graph = m_plot->addGraph();
    const QColor color = kPalette[size_t(row) % std::size(kPalette)];
    graph->setPen(QPen(color, 2.0));
    graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, Qt::white, 6));
    graph->setName(run.id);
    graph->setSelectable(QCP::stSingleData);
    for (const EpochRecord& e : run.epochs) {
      const double value = valueOf(e, m_curve);
      if (std::isfinite(value)) graph->addData(e.epoch, value);
      maxEpoch = std::max(maxEpoch, double(e.epoch));
    }
    m_graphs[size_t(row)] = graph;
  }
  m_plot->rescaleAxes();
  m_plot->xAxis->setRange(0.5, maxEpoch + 0.5);
  // A little room around the curves; accuracy stays within 0-100 %.
  const QCPRange values = m_plot->yAxis->range();
  const double pad = std::max(values.size() * 0.08, percent ? 1.0 : 0.01);
  double low = values.lower - pad, high = values.upper + pad;
  if (percent) {
    low = std::max(0.0, low);
    high = std::min(100.0, high);
  }
  m_plot->yAxis->setRange(low, high);
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void RunHistoryView::selectionChanged() {
  const QModelIndexList rows = m_table->selectionModel()->selectedRows();
  if (rows.size() == 2) {
    // Older first, so that the table reads "from the first run to the second".
    const int a = std::max(rows[0].row(), rows[1].row()), b = std::min(rows[0].row(), rows[1].row());
    compare(a, b);
  } else {
    m_differences->setRowCount(0);
    m_differencesTitle->setText(tr("Select two runs in the table to see what differs between them."));
  }
}

void RunHistoryView::compare(int firstRow, int secondRow) {
  if (firstRow < 0 || secondRow < 0 || firstRow >= m_model->rowCount() || secondRow >= m_model->rowCount())
    return;
  const SavedRun& first = m_model->run(firstRow);
  const SavedRun& second = m_model->run(secondRow);
  const auto differences = settingDifferences(first, second);
  m_differences->setHorizontalHeaderLabels({tr("Setting"), first.id, second.id});
  m_differences->setRowCount(int(differences.size()));
  for (int r = 0; r < int(differences.size()); ++r) {
    const SettingDifference& d = differences[size_t(r)];
    const QStringList cells = {d.key, d.first.isEmpty() ? tr("(not set)") : d.first,
                               d.second.isEmpty() ? tr("(not set)") : d.second};
    for (int c = 0; c < 3; ++c) m_differences->setItem(r, c, new QTableWidgetItem(cells[c]));
  }
  m_differencesTitle->setText(
      differences.empty()
          ? tr("Runs %1 and %2 have the same settings and data.").arg(first.id, second.id)
          : (differences.size() == 1 ? tr("1 difference between runs %1 and %2:")
                                     : tr("%1 differences between runs %2 and %3:").arg(differences.size()))
                .arg(first.id, second.id));
}

int RunHistoryView::differenceCount() const {
  return m_differences->rowCount();
}

bool RunHistoryView::keptModelOf(const SavedRun& run, int epoch) {
  if (epoch < 1) return false;
  if (run.hasBestCheckpoint && run.bestEpoch() == epoch) return true;
  if (run.hasLastCheckpoint && !run.epochs.empty() && run.epochs.back().epoch == epoch) return true;
  return QFileInfo::exists(QDir(run.directory).filePath(epochCheckpointName(epoch)));
}

void RunHistoryView::pickPoint(int row, int epoch) {
  if (row < 0 || row >= m_model->rowCount()) return;
  const SavedRun& run = m_model->run(row);
  const EpochRecord* record = run.epoch(epoch);
  if (!record) return;
  m_pickedRun = run.id;
  m_pickedEpoch = epoch;
  const bool kept = keptModelOf(run, epoch);
  m_evaluateButton->setEnabled(kept);
  m_continueButton->setEnabled(kept);
  m_exportButton->setEnabled(kept);
  QString text = tr("Run %1, epoch %2: validation accuracy %3 %, validation loss %4.")
                     .arg(run.id)
                     .arg(epoch)
                     .arg(QString::number(100.0 * record->valAccuracy, 'f', 1))
                     .arg(QString::number(record->valLoss, 'f', 3));
  text +=
      QLatin1Char(' ') + (kept ? tr("Its model was kept.")
                               : tr("Its model was not kept: a run keeps the best and last epochs' models, "
                                    "and every epoch's with \"Keep every epoch's model\" on."));
  m_pickedLabel->setText(text);
}

}  // namespace attune::ui
