#include "ui/EvaluationView.h"
#include "core/data/ImageFile.h"
#include "ui/FileDialogHook.h"
#include "ui/MessageBoxHook.h"

#include "core/eval/RunReport.h"
#include "ui/Colors.h"
#include "ui/ConfusionMatrixModel.h"

#include <QCheckBox>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImageReader>
#include <QKeySequence>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace attune::ui {
namespace {

constexpr int kThumbnail_px = 64;
constexpr int kShownCharacters = 300;

QString percent(double value) {
  return QStringLiteral("%1 %").arg(value * 100.0, 0, 'f', 1);
}

int predictedOf(const std::vector<double>& row) {
  return row.empty() ? -1 : int(std::max_element(row.begin(), row.end()) - row.begin());
}

}  // namespace

EvaluationView::EvaluationView(QWidget* parent) : QWidget(parent) {
  m_summaryLabel = new QLabel(this);
  m_summaryLabel->setObjectName(QStringLiteral("evaluationSummary"));
  m_summaryLabel->setWordWrap(true);
  m_evaluateButton = new QPushButton(tr("Evaluate"), this);
  m_evaluateButton->setObjectName(QStringLiteral("evaluateButton"));
  m_evaluateButton->setToolTip(
      tr("Score the latest run's best model on the images or texts it was validated on."));
  m_reportButton = new QPushButton(tr("Save Report…"), this);
  m_reportButton->setObjectName(QStringLiteral("saveReportButton"));
  m_reportButton->setToolTip(
      tr("A one-page report to hand on, as a web page or a PDF: the data, the settings in "
         "plain words, the curves, the matrix and what they mean."));
  m_epochSlider = new QSlider(Qt::Horizontal, this);
  m_epochSlider->setObjectName(QStringLiteral("epochSlider"));
  m_epochSlider->setToolTip(tr("The matrix at each epoch of the run, from its validation after that epoch."));
  m_epochSlider->setPageStep(1);
  m_epochLabel = new QLabel(this);
  m_epochLabel->setObjectName(QStringLiteral("epochLabel"));
  m_normaliseCheck = new QCheckBox(tr("Show shares of each true class"), this);
  m_normaliseCheck->setObjectName(QStringLiteral("normaliseCheck"));
  m_normaliseCheck->setToolTip(
      tr("Each row shows which share of that class's examples went to each predicted class, so that "
         "small classes are as easy to read as large ones."));

  m_matrixModel = new ConfusionMatrixModel(this);
  m_matrixView = new QTableView(this);
  m_matrixView->setObjectName(QStringLiteral("confusionMatrix"));
  m_matrixView->setModel(m_matrixModel);
  m_matrixView->setSelectionMode(QAbstractItemView::SingleSelection);
  m_matrixView->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_matrixView->setToolTip(
      tr("Rows: the true class. Columns: what the model said. Click a cell to see "
         "those examples."));
  m_matrixView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  // Cells large enough to read and to click.
  m_matrixView->horizontalHeader()->setMinimumSectionSize(64);
  m_matrixView->verticalHeader()->setMinimumSectionSize(40);
  m_matrixView->verticalHeader()->setDefaultSectionSize(40);

  m_classTable = new QTableWidget(0, 5, this);
  m_classTable->setObjectName(QStringLiteral("classMetricsTable"));
  m_classTable->setHorizontalHeaderLabels(
      {tr("Class"), tr("Precision"), tr("Recall"), tr("F1"), tr("Examples")});
  m_classTable->verticalHeader()->hide();
  m_classTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_classTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_classTable->setToolTip(
      tr("Precision: of the examples the model put in this class, the share that belong there. Recall: "
         "of the examples of this class, the share the model found. F1 combines both."));

  m_examplesTitle = new QLabel(this);
  m_examplesTitle->setObjectName(QStringLiteral("examplesTitle"));
  m_wrongButton = new QPushButton(tr("Most confidently wrong"), this);
  m_wrongButton->setObjectName(QStringLiteral("mostWrongButton"));
  m_wrongButton->setToolTip(tr("The mistakes the model was surest of: often mislabelled examples."));
  m_mistakesButton = new QPushButton(tr("Likely label mistakes"), this);
  m_mistakesButton->setObjectName(QStringLiteral("labelMistakesButton"));
  m_mistakesButton->setToolTip(
      tr("Examples whose label the model strongly doubts while it is sure of another class: check them, "
         "and relabel the ones that are wrong with one click."));
  m_relabelButton = new QPushButton(tr("Relabel as Suggested"), this);
  m_relabelButton->setObjectName(QStringLiteral("relabelButton"));
  m_relabelButton->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  m_relabelButton->setToolTip(
      tr("Give the selected examples the class the model suggests (Ctrl+R). The label is kept in the "
         "project; your files are not changed. Train again to use it."));
  m_keepButton = new QPushButton(tr("Label Is Right"), this);
  m_keepButton->setObjectName(QStringLiteral("keepLabelButton"));
  m_keepButton->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
  m_keepButton->setToolTip(tr("Keep the selected examples' labels and stop suggesting them (Ctrl+K)."));
  m_examplesTable = new QTableWidget(0, 4, this);
  m_examplesTable->setObjectName(QStringLiteral("examplesTable"));
  m_examplesTable->setHorizontalHeaderLabels(
      {tr("Example"), tr("True class"), tr("Predicted"), tr("Probability")});
  m_examplesTable->verticalHeader()->hide();
  m_examplesTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_examplesTable->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_examplesTable->setSelectionMode(QAbstractItemView::ExtendedSelection);
  m_examplesTable->setIconSize(QSize(kThumbnail_px, kThumbnail_px));
  m_examplesTable->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  for (int c = 1; c < 4; ++c)
    m_examplesTable->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);

  auto* top = new QHBoxLayout;
  top->addWidget(m_summaryLabel, 1);
  top->addWidget(m_evaluateButton);
  top->addWidget(m_reportButton);
  auto* left = new QWidget(this);
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  leftLayout->addWidget(m_normaliseCheck);
  auto* epochBar = new QHBoxLayout;
  epochBar->addWidget(m_epochLabel);
  epochBar->addWidget(m_epochSlider, 1);
  leftLayout->addLayout(epochBar);
  auto* axes = new QLabel(tr("Rows: the true class. Columns: the model's answer."), this);
  axes->setObjectName(QStringLiteral("matrixAxes"));
  leftLayout->addWidget(axes);
  leftLayout->addWidget(m_matrixView, 2);
  leftLayout->addWidget(m_classTable, 1);
  auto* right = new QWidget(this);
  auto* rightLayout = new QVBoxLayout(right);
  rightLayout->setContentsMargins(0, 0, 0, 0);
  auto* examplesBar = new QHBoxLayout;
  examplesBar->addWidget(m_examplesTitle, 1);
  examplesBar->addWidget(m_wrongButton);
  examplesBar->addWidget(m_mistakesButton);
  rightLayout->addLayout(examplesBar);
  rightLayout->addWidget(m_examplesTable, 1);
  auto* reviewBar = new QHBoxLayout;
  reviewBar->addStretch(1);
  reviewBar->addWidget(m_keepButton);
  reviewBar->addWidget(m_relabelButton);
  rightLayout->addLayout(reviewBar);
  auto* splitter = new QSplitter(Qt::Horizontal, this);
  splitter->addWidget(left);
  splitter->addWidget(right);
  splitter->setChildrenCollapsible(false);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(splitter, 1);

  connect(m_evaluateButton, &QPushButton::clicked, this, &EvaluationView::evaluateRequested);
  connect(m_normaliseCheck, &QCheckBox::toggled, m_matrixModel, &ConfusionMatrixModel::setNormalised);
  connect(m_matrixView, &QTableView::clicked, this,
          [this](const QModelIndex& index) { showCell(index.row(), index.column()); });
  connect(m_wrongButton, &QPushButton::clicked, this, [this] { showMostConfidentlyWrong(); });
  connect(m_mistakesButton, &QPushButton::clicked, this, &EvaluationView::showLikelyLabelMistakes);
  connect(m_relabelButton, &QPushButton::clicked, this, &EvaluationView::relabelSelected);
  connect(m_keepButton, &QPushButton::clicked, this, &EvaluationView::keepSelectedLabels);
  connect(m_examplesTable, &QTableWidget::itemSelectionChanged, this, &EvaluationView::updateReviewButtons);
  connect(m_reportButton, &QPushButton::clicked, this, &EvaluationView::saveReportWithDialog);
  connect(m_epochSlider, &QSlider::valueChanged, this, [this](int index) {
    if (index >= 0 && size_t(index) < m_epochs.size()) showEpoch(m_epochs[size_t(index)].epoch);
  });
  setEvaluation(nullptr);
}

Status EvaluationView::saveReport(const QString& path) {
  if (!m_evaluation)
    return Error(ErrorCode::NotEnoughData, tr("There is no evaluation to report yet."),
                 tr("Press Evaluate first."));
  auto run = readSavedRun(m_evaluation->runDirectory);
  if (!run) return run.error();
  return writeRunReport(*run, *m_evaluation, path);
}

void EvaluationView::saveReportWithDialog() {
  if (!m_evaluation) return;
  const QString suggested = QDir(QFileInfo(m_evaluation->runDirectory).absolutePath())
                                .filePath(QStringLiteral("../report-%1.html").arg(m_evaluation->runId));
  QString filter = tr("Web page (*.html)");
  const QString path = FileDialogHook::saveFileName(this, tr("Save Run Report"), QDir::cleanPath(suggested),
                                                    tr("Web page (*.html);;PDF document (*.pdf)"), &filter);
  if (path.isEmpty()) return;
  QString target = path;
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix != QLatin1String("html") && suffix != QLatin1String("htm") && suffix != QLatin1String("pdf"))
    target += filter.contains(QLatin1String("pdf")) ? QStringLiteral(".pdf") : QStringLiteral(".html");
  if (auto saved = saveReport(target); !saved)
    MessageBoxHook::warning(this, tr("Report not saved"), saved.error().text());
  else
    setMessage(tr("Saved the report to %1.").arg(QDir::toNativeSeparators(target)));
}

void EvaluationView::setMessage(const QString& message, bool isError) {
  m_summaryLabel->setText(message);
  m_summaryLabel->setStyleSheet(isError ? QStringLiteral("color: %1").arg(kErrorColor.name()) : QString());
}

void EvaluationView::setEvaluateEnabled(bool enabled) {
  m_evaluateButton->setEnabled(enabled);
}

void EvaluationView::setEvaluation(std::shared_ptr<const RunEvaluation> evaluation) {
  m_evaluation = std::move(evaluation);
  m_wrongButton->setEnabled(m_evaluation != nullptr);
  m_mistakesButton->setEnabled(m_evaluation != nullptr);
  m_suspects.clear();
  m_reportButton->setEnabled(m_evaluation != nullptr);
  m_shown.clear();
  m_examplesTable->setRowCount(0);
  updateReviewButtons();
  m_examplesTitle->clear();
  setEpochs({});
  m_shownEpoch = m_evaluation ? m_evaluation->epoch : 0;
  if (!m_evaluation) {
    m_matrixModel->setMatrix({}, {});
    m_classTable->setRowCount(0);
    setMessage(tr("Press Evaluate to see how well the latest model does, class by class."));
    return;
  }
  const ClassificationMetrics& m = m_evaluation->metrics;
  QString summary = tr("Run %1 (%2) on %3: %4 of %5 examples right (accuracy %6); on average %7 of each "
                       "class (balanced accuracy).")
                        .arg(m_evaluation->runId, answeredBy(*m_evaluation))
                        .arg(m_evaluation->examples.source)
                        .arg(int(std::lround(m.accuracy * m.count)))
                        .arg(m.count)
                        .arg(percent(m.accuracy), percent(m.balancedAccuracy));
  if (m.skipped > 0) summary += QLatin1Char(' ') + tr("%1 examples could not be read.").arg(m.skipped);
  setMessage(summary);
  m_matrixModel->setMatrix(m_evaluation->classes, m.confusion);
  fillClassTable(m);
  m_examplesTitle->setText(tr("Click a cell of the matrix to see its examples."));
}

void EvaluationView::setEpochs(std::vector<EpochValidation> epochs) {
  m_epochs = std::move(epochs);
  const bool show = m_evaluation && !m_epochs.empty();
  m_epochSlider->setVisible(show);
  m_epochLabel->setVisible(show);
  if (!show) return;
  const QSignalBlocker blocker(m_epochSlider);
  m_epochSlider->setRange(0, int(m_epochs.size()) - 1);
  int index = int(m_epochs.size()) - 1;
  for (size_t i = 0; i < m_epochs.size(); ++i)
    if (m_epochs[i].epoch == m_evaluation->epoch) index = int(i);
  m_epochSlider->setValue(index);
  showEpoch(m_epochs[size_t(index)].epoch);
}

void EvaluationView::showEpoch(int epoch) {
  if (!m_evaluation) return;
  const EpochValidation* shown = nullptr;
  for (const EpochValidation& e : m_epochs)
    if (e.epoch == epoch) shown = &e;
  const bool evaluated = epoch == m_evaluation->epoch || !shown;
  m_shownEpoch = evaluated ? m_evaluation->epoch : epoch;
  for (size_t i = 0; i < m_epochs.size(); ++i)
    if (m_epochs[i].epoch == m_shownEpoch) {
      const QSignalBlocker blocker(m_epochSlider);
      m_epochSlider->setValue(int(i));
    }
  const ClassificationMetrics& m = evaluated ? m_evaluation->metrics : shown->metrics;
  m_matrixModel->setMatrix(m_evaluation->classes, m.confusion);
  fillClassTable(m);
  const int last = m_epochs.empty() ? m_shownEpoch : m_epochs.back().epoch;
  m_epochLabel->setText(
      evaluated ? tr("Epoch %1 of %2 (the evaluated model)").arg(m_shownEpoch).arg(last)
                : tr("Epoch %1 of %2: accuracy %3").arg(epoch).arg(last).arg(percent(m.accuracy)));
  m_shown.clear();
  m_suspects.clear();
  m_examplesTable->setRowCount(0);
  updateReviewButtons();
  m_examplesTitle->setText(
      evaluated ? tr("Click a cell of the matrix to see its examples.")
                : tr("The examples are listed for the evaluated model (epoch %1).").arg(m_evaluation->epoch));
}

void EvaluationView::fillClassTable(const ClassificationMetrics& m) {
  m_classTable->setRowCount(int(m.classes.size()));
  for (int r = 0; r < int(m.classes.size()); ++r) {
    const ClassMetrics& c = m.classes[size_t(r)];
    const QStringList cells = {c.name, percent(c.precision), percent(c.recall), percent(c.f1),
                               QString::number(c.support)};
    for (int col = 0; col < cells.size(); ++col) {
      auto* item = new QTableWidgetItem(cells[col]);
      if (col > 0) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      m_classTable->setItem(r, col, item);
    }
  }
}

void EvaluationView::showCell(int trueClass, int predictedClass) {
  if (!m_evaluation) return;
  if (m_shownEpoch != m_evaluation->epoch) showEpoch(m_evaluation->epoch);
  std::vector<int> examples;
  const auto& e = *m_evaluation;
  for (size_t i = 0; i < e.examples.labels.size(); ++i)
    if (e.examples.labels[i] == trueClass && predictedOf(e.probabilities[i]) == predictedClass)
      examples.push_back(int(i));
  // Least sure first on the diagonal (the borderline right answers), surest first elsewhere.
  std::stable_sort(examples.begin(), examples.end(), [&](int a, int b) {
    const double pa = e.probabilities[size_t(a)][size_t(predictedClass)];
    const double pb = e.probabilities[size_t(b)][size_t(predictedClass)];
    return trueClass == predictedClass ? pa < pb : pa > pb;
  });
  const QString title = tr("%1 examples of %2 predicted as %3")
                            .arg(examples.size())
                            .arg(e.classes.value(trueClass), e.classes.value(predictedClass));
  listExamples(title, std::move(examples));
}

void EvaluationView::showMostConfidentlyWrong(int count) {
  if (!m_evaluation) return;
  if (m_shownEpoch != m_evaluation->epoch) showEpoch(m_evaluation->epoch);
  const auto& e = *m_evaluation;
  std::vector<int> wrong;
  for (size_t i = 0; i < e.examples.labels.size(); ++i) {
    const int predicted = predictedOf(e.probabilities[i]);
    if (predicted >= 0 && predicted != e.examples.labels[i]) wrong.push_back(int(i));
  }
  const auto confidence = [&](int i) {
    const auto& row = e.probabilities[size_t(i)];
    return *std::max_element(row.begin(), row.end());
  };
  std::stable_sort(wrong.begin(), wrong.end(), [&](int a, int b) { return confidence(a) > confidence(b); });
  if (int(wrong.size()) > count) wrong.resize(size_t(count));
  const QString title = tr("The %1 mistakes the model was surest of").arg(wrong.size());
  listExamples(title, std::move(wrong));
}

void EvaluationView::listExamples(const QString& title, std::vector<int> examples,
                                  std::vector<SuspectedLabel> suspects) {
  m_examplesTitle->setText(title);
  m_shown = std::move(examples);
  m_suspects = std::move(suspects);
  m_examplesTable->setHorizontalHeaderLabels(
      m_suspects.empty() ? QStringList{tr("Example"), tr("True class"), tr("Predicted"), tr("Probability")}
                         : QStringList{tr("Example"), tr("Given label"), tr("Suggested"), tr("Probability")});
  const auto& e = *m_evaluation;
  const bool images = e.examples.task == TaskKind::ImageClassification;
  m_examplesTable->setRowCount(int(m_shown.size()));
  for (int row = 0; row < int(m_shown.size()); ++row) {
    const size_t i = size_t(m_shown[size_t(row)]);
    const QString& item = e.examples.items[qsizetype(i)];
    const auto& probabilities = e.probabilities[i];
    const int predicted = predictedOf(probabilities);
    auto* example = new QTableWidgetItem;
    if (images) {
      ImageFile file(item);
      QImageReader& reader = file.reader();
      const QSize size = reader.size();
      if (size.isValid())
        reader.setScaledSize(size.scaled(kThumbnail_px, kThumbnail_px, Qt::KeepAspectRatio));
      example->setIcon(QIcon(QPixmap::fromImage(reader.read())));
      example->setText(QFileInfo(item).fileName());
      example->setToolTip(item);
    } else {
      example->setText(item.left(kShownCharacters).simplified());
      example->setToolTip(e.examples.lines.size() > i
                              ? tr("Line %1: %2").arg(e.examples.lines[i]).arg(item.left(3000))
                              : item.left(3000));
    }
    m_examplesTable->setItem(row, 0, example);
    m_examplesTable->setItem(row, 1, new QTableWidgetItem(e.classes.value(e.examples.labels[i])));
    m_examplesTable->setItem(row, 2, new QTableWidgetItem(e.classes.value(predicted)));
    auto* probability =
        new QTableWidgetItem(predicted >= 0 ? percent(probabilities[size_t(predicted)]) : QString());
    probability->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    probability->setToolTip(tr("The model's probability for the class it predicted."));
    if (size_t(row) < m_suspects.size()) {
      const SuspectedLabel& suspect = m_suspects[size_t(row)];
      probability->setToolTip(tr("The model gives %1 to the class it suggests, %2, and %3 to the given "
                                 "class, %4.")
                                  .arg(percent(suspect.suggestedProbability),
                                       e.classes.value(suspect.suggested), percent(suspect.givenProbability),
                                       e.classes.value(suspect.given)));
    }
    m_examplesTable->setItem(row, 3, probability);
  }
  if (images) m_examplesTable->resizeRowsToContents();
  updateReviewButtons();
}

void EvaluationView::showLikelyLabelMistakes() {
  if (!m_evaluation) return;
  if (m_shownEpoch != m_evaluation->epoch) showEpoch(m_evaluation->epoch);
  const auto& e = *m_evaluation;
  std::vector<SuspectedLabel> suspects;
  for (const SuspectedLabel& suspect : likelyLabelMistakes(e.examples.labels, e.probabilities))
    if (!m_decided.contains(e.examples.keys.value(suspect.example))) suspects.push_back(suspect);
  std::vector<int> examples;
  for (const SuspectedLabel& suspect : suspects) examples.push_back(suspect.example);
  QString title =
      suspects.empty()
          ? tr("No likely label mistakes: the model does not strongly doubt any label it has not been told "
               "about.")
          : tr("%1 examples whose label the model strongly doubts, most doubted first. Select the wrong ones "
               "and relabel them, or keep the right ones.")
                .arg(suspects.size());
  if (!suspects.empty() && e.examples.keys.isEmpty())
    title += QLatin1Char(' ') + tr("They are not the project's own data: correct them in their files.");
  listExamples(title, std::move(examples), std::move(suspects));
}

void EvaluationView::setDecidedItems(QSet<QString> keys) {
  m_decided = std::move(keys);
}

void EvaluationView::updateReviewButtons() {
  const bool reviewing = !m_suspects.empty() && m_evaluation && !m_evaluation->examples.keys.isEmpty();
  const bool selected = reviewing && !m_examplesTable->selectionModel()->selectedRows().isEmpty();
  m_relabelButton->setVisible(reviewing);
  m_keepButton->setVisible(reviewing);
  m_relabelButton->setEnabled(selected);
  m_keepButton->setEnabled(selected);
}

void EvaluationView::relabelSelected() {
  requestLabels(true);
}

void EvaluationView::keepSelectedLabels() {
  requestLabels(false);
}

void EvaluationView::requestLabels(bool suggested) {
  if (!m_evaluation || m_suspects.empty() || m_evaluation->examples.keys.isEmpty()) return;
  const auto& e = *m_evaluation;
  QStringList keys;
  QStringList classNames;
  for (const QModelIndex& index : m_examplesTable->selectionModel()->selectedRows()) {
    if (size_t(index.row()) >= m_suspects.size()) continue;
    const SuspectedLabel& suspect = m_suspects[size_t(index.row())];
    keys << e.examples.keys.value(suspect.example);
    classNames << e.classes.value(suggested ? suspect.suggested : suspect.given);
  }
  if (!keys.isEmpty()) emit labelsRequested(keys, classNames);
}

void EvaluationView::labelsMade(const QStringList& keys, const QStringList& classNames) {
  for (const QString& key : keys) m_decided.insert(key);
  if (!m_evaluation || m_suspects.empty()) return;
  const auto& e = *m_evaluation;
  int relabelled = 0;
  for (qsizetype i = 0; i < keys.size(); ++i) {
    const qsizetype example = e.examples.keys.indexOf(keys[i]);
    if (example >= 0 && e.classes.value(e.examples.labels[size_t(example)]) != classNames.value(i))
      ++relabelled;
  }
  const int kept = int(keys.size()) - relabelled;
  // The rows of the decided items leave the list; the rest stay where they were.
  std::vector<int> examples;
  std::vector<SuspectedLabel> suspects;
  for (size_t row = 0; row < m_suspects.size(); ++row)
    if (!m_decided.contains(e.examples.keys.value(m_suspects[row].example))) {
      examples.push_back(m_shown[row]);
      suspects.push_back(m_suspects[row]);
    }
  QStringList done;
  if (relabelled > 0) done << tr("Relabelled %1 examples.").arg(relabelled);
  if (kept > 0) done << tr("Kept the labels of %1 examples.").arg(kept);
  if (relabelled > 0) done << tr("Train again to use the new labels.");
  const QString title = suspects.empty() ? tr("Every likely label mistake has been reviewed.")
                                         : tr("%1 examples left to review.").arg(suspects.size());
  listExamples(done.join(QLatin1Char(' ')) + QLatin1Char(' ') + title, std::move(examples),
               std::move(suspects));
}

}  // namespace attune::ui
