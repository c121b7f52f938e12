#include "ui/MainWindow.h"

#include "core/eval/Evaluation.h"
#include "core/models/Architecture.h"
#include "core/project/ProjectFile.h"
#include "core/training/LrFinder.h"
#include "core/training/ProjectData.h"
#include "core/training/TrainingJob.h"
#include "ui/DataPanel.h"
#include "ui/EvaluationView.h"
#include "ui/LrFinderDialog.h"
#include "ui/MessageBoxHook.h"
#include "ui/RecentProjects.h"
#include "ui/RunController.h"
#include "ui/RunHistoryView.h"
#include "ui/RunPanel.h"
#include "ui/TextDataPanel.h"
#include "ui/TextsView.h"
#include "ui/TrainingCharts.h"
#include "ui/TrainingSettingsPanel.h"
#include "ui/TryPanel.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMimeData>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>
#include <memory>

// Resources of a static library must be registered by hand (outside any namespace).
static void initAttuneResources() {
  Q_INIT_RESOURCE(attune);
}

namespace attune::ui {

// What the evaluation worker hands back.
struct MainWindow::EvaluationOutcome {
  QString projectPath;  // the project evaluated (the user may open another meanwhile)
  std::shared_ptr<const RunEvaluation> evaluation;
  std::vector<EpochValidation> epochs;  // the run's validation at every epoch (for the slider)
  QString error;
};

namespace {

constexpr int kSettingsWidth_px = 560;
constexpr int kChartsHeight_px = 700;
constexpr int kRunPanelHeight_px = 170;
constexpr int kStatusMessage_ms = 4000;
const QString kProjectFilter = QStringLiteral("Attune projects (*.attune)");

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  initAttuneResources();
  QIcon icon(QStringLiteral(":/icons/attune-256.png"));
  icon.addFile(QStringLiteral(":/icons/attune-64.png"));
  setWindowIcon(icon);
  m_dataPanel = new DataPanel(this);
  m_textDataPanel = new TextDataPanel(this);
  m_textDataPanel->setObjectName(QStringLiteral("textDataPanel"));
  m_dataStack = new QStackedWidget(this);
  m_dataStack->addWidget(m_dataPanel);
  m_dataStack->addWidget(m_textDataPanel);
  m_textsView = new TextsView(this);
  m_textsView->setObjectName(QStringLiteral("textsView"));
  m_tryPanel = new TryPanel(this);
  m_tryPanel->setObjectName(QStringLiteral("tryPanel"));
  m_evaluationView = new EvaluationView(this);
  m_evaluationView->setObjectName(QStringLiteral("evaluationView"));
  m_historyView = new RunHistoryView(this);
  m_historyView->setObjectName(QStringLiteral("runHistoryView"));
  m_settingsPanel = new TrainingSettingsPanel(this);
  m_charts = new TrainingCharts(this);
  m_runPanel = new RunPanel(this);
  m_runController = new RunController(this);

  auto* settingsColumn = new QWidget(this);
  auto* settingsLayout = new QVBoxLayout(settingsColumn);
  settingsLayout->addWidget(m_dataStack);
  settingsLayout->addWidget(m_settingsPanel);
  settingsLayout->addStretch(1);
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(settingsColumn);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setMinimumWidth(settingsColumn->sizeHint().width() + 20);

  auto* runSplitter = new QSplitter(Qt::Vertical, this);
  runSplitter->addWidget(m_charts);
  runSplitter->addWidget(m_runPanel);
  runSplitter->setStretchFactor(0, 3);
  runSplitter->setStretchFactor(1, 1);
  runSplitter->setSizes({kChartsHeight_px, kRunPanelHeight_px});
  runSplitter->setChildrenCollapsible(false);
  m_trainingTab = runSplitter;
  m_tabs = new QTabWidget(this);
  m_tabs->setObjectName(QStringLiteral("mainTabs"));
  m_tabs->addTab(runSplitter, tr("Training"));
  m_tabs->addTab(m_textsView, tr("Texts"));
  m_tabs->addTab(m_tryPanel, tr("Try it"));
  m_tabs->addTab(m_evaluationView, tr("Evaluation"));
  m_tabs->addTab(m_historyView, tr("Runs"));
  m_tabs->setDocumentMode(true);
  auto* splitter = new QSplitter(Qt::Horizontal, this);
  splitter->addWidget(scroll);
  splitter->addWidget(m_tabs);
  splitter->setStretchFactor(1, 1);
  splitter->setSizes({kSettingsWidth_px, 1000});
  splitter->setChildrenCollapsible(false);
  setCentralWidget(splitter);

  setAcceptDrops(true);
  createMenus();
  connect(m_settingsPanel, &TrainingSettingsPanel::configEdited, this, &MainWindow::onConfigEdited);
  connect(m_dataPanel, &DataPanel::folderChosen, this, &MainWindow::onFolderChosen);
  connect(m_textDataPanel, &TextDataPanel::dataChosen, this, &MainWindow::onTextDataChosen);
  connect(m_evaluationView, &EvaluationView::evaluateRequested, this, &MainWindow::evaluateLatestRun);
  connect(m_evaluationView, &EvaluationView::labelsRequested, this,
          [this](const QStringList& keys, const QStringList& classNames) {
            if (auto made = labelItems(keys, classNames); !made)
              MessageBoxHook::warning(this, tr("Labels not saved"), made.error().text());
          });
  connect(m_historyView, &RunHistoryView::evaluateCheckpointRequested, this, &MainWindow::evaluateCheckpoint);
  connect(m_historyView, &RunHistoryView::continueFromRequested, this, &MainWindow::continueTrainingFrom);
  connect(&m_evaluationWatcher, &QFutureWatcher<std::shared_ptr<EvaluationOutcome>>::finished, this,
          &MainWindow::showEvaluation);
  connect(m_runPanel, &RunPanel::trainClicked, this, &MainWindow::startTraining);
  connect(m_runPanel, &RunPanel::stopClicked, this, &MainWindow::stopTraining);
  connect(m_runPanel, &RunPanel::pauseToggled, m_runController, &RunController::setPaused);
  connect(m_runController, &RunController::drained, this, [this](const MetricsDrain& drain) {
    m_charts->append(drain.steps, drain.epochs);
    m_runPanel->append(drain);
  });
  connect(m_runController, &RunController::runEnded, this, &MainWindow::onRunEnded);
  connect(m_settingsPanel, &TrainingSettingsPanel::findLearningRateRequested, this,
          &MainWindow::findLearningRate);

  Project blank;
  blank.name = tr("Untitled");
  setProject(std::move(blank));
  resize(1400, 900);
}

MainWindow::~MainWindow() {
  m_evaluationWatcher.waitForFinished();
}

void MainWindow::createMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* newAction =
      file->addAction(tr("&New Image Project…"), this, [this] { newProject(TaskKind::ImageClassification); });
  newAction->setShortcut(QKeySequence::New);
  QAction* newTextAction =
      file->addAction(tr("New &Text Project…"), this, [this] { newProject(TaskKind::TextClassification); });
  QAction* openAction = file->addAction(tr("&Open…"), this, &MainWindow::openWithDialog);
  openAction->setShortcut(QKeySequence::Open);
  QMenu* recentMenu = file->addMenu(tr("Open &Recent"));
  m_recentProjects = new RecentProjects(recentMenu, this);
  connect(m_recentProjects, &RecentProjects::openRequested, this, &MainWindow::openRecent);
  file->addSeparator();
  QAction* saveAction = file->addAction(tr("&Save"), this, [this] { saveProject(); });
  saveAction->setShortcut(QKeySequence::Save);
  saveAction->setObjectName(QStringLiteral("actionSave"));
  QAction* saveAsAction = file->addAction(tr("Save &As…"), this, [this] { saveWithDialog(); });
  saveAsAction->setShortcut(QKeySequence::SaveAs);
  file->addSeparator();
  QAction* quitAction = file->addAction(tr("&Quit"), this, &QWidget::close);
  quitAction->setShortcut(QKeySequence::Quit);
  m_idleOnlyActions = {newAction, newTextAction, openAction, recentMenu->menuAction()};
}

bool MainWindow::isTraining() const {
  return m_runController->isRunning();
}

void MainWindow::setProject(Project project) {
  m_project = std::move(project);
  m_journal.reset();
  const LabelState labels = labelState();
  m_dataPanel->setLabelState(labels);
  m_textDataPanel->setLabelState(labels);
  QSet<QString> decided;
  for (const auto& [key, className] : labels.itemLabels) decided.insert(key);
  m_evaluationView->setDecidedItems(std::move(decided));
  const bool texts = m_project.task == TaskKind::TextClassification;
  m_dataStack->setCurrentWidget(texts ? static_cast<QWidget*>(m_textDataPanel) : m_dataPanel);
  m_dataPanel->setFolder(texts ? QString() : m_project.data.folder);
  m_textDataPanel->setSource(texts ? m_project.data : DataSource{});
  m_textsView->setDataset(m_textDataPanel->dataset());
  m_tabs->setTabVisible(m_tabs->indexOf(m_textsView), texts);
  m_tryPanel->setTask(m_project.task);
  m_tabs->setCurrentWidget(m_trainingTab);
  m_evaluationView->setEvaluation(nullptr);
  m_historyView->refresh(m_project);
  m_settingsPanel->setTask(m_project.task);
  m_settingsPanel->setConfig(m_project.config);
  updateTryPanel();
  updateTrainingImageCount();
  setModified(false);
  updateRunState();
}

void MainWindow::setModified(bool modified) {
  setWindowModified(modified);
  updateTitle();
}

void MainWindow::updateTitle() {
  // Qt shows '*' in place of "[*]" while the window is modified.
  setWindowTitle(tr("%1[*] — Attune").arg(m_project.name.isEmpty() ? tr("Untitled") : m_project.name));
}

void MainWindow::updateRunState() {
  const bool running = isTraining();
  m_runPanel->setRunning(running);
  m_dataPanel->setEditable(!running);
  m_textDataPanel->setEditable(!running);
  m_evaluationView->setEvaluateEnabled(!running && !isEvaluating());
  m_settingsPanel->setEnabled(!running);
  for (QAction* action : m_idleOnlyActions) action->setEnabled(!running);
}

void MainWindow::onConfigEdited() {
  m_settingsPanel->applyTo(m_project.config);
  setModified(true);
}

void MainWindow::onFolderChosen(const QString& folder) {
  m_project.data.folder = folder;
  m_project.classes = m_dataPanel->classes();
  updateTrainingImageCount();
  setModified(true);
}

void MainWindow::onTextDataChosen() {
  m_textDataPanel->applyTo(m_project.data);
  m_project.classes = m_textDataPanel->classes();
  m_textsView->setDataset(m_textDataPanel->dataset());
  updateTrainingImageCount();
  setModified(true);
}

void MainWindow::updateTrainingImageCount() {
  // For the settings' rate preview: the validation share is held out from training.
  const double trainShare = std::clamp(1.0 - m_project.data.valFraction, 0.0, 1.0);
  const int items = m_project.task == TaskKind::TextClassification ? m_textDataPanel->labelledCount()
                                                                   : m_dataPanel->imageCount();
  m_settingsPanel->setTrainingImageCount(int(std::lround(items * trainShare)));
}

void MainWindow::updateTryPanel() {
  for (auto run = m_project.runs.rbegin(); run != m_project.runs.rend(); ++run) {
    if (run->bestCheckpoint.isEmpty() || !QFileInfo::exists(run->bestCheckpoint)) continue;
    m_tryPanel->setRun(QFileInfo(run->bestCheckpoint).absolutePath(),
                       tr("run %1 (epoch %2, validation accuracy %3 %)")
                           .arg(run->id)
                           .arg(run->bestEpoch)
                           .arg(run->bestValAccuracy * 100.0, 0, 'f', 1));
    return;
  }
  m_tryPanel->setRun({}, {});
}

void MainWindow::newProject(TaskKind task) {
  if (!maybeSave()) return;
  QString path = QFileDialog::getSaveFileName(
      this, task == TaskKind::TextClassification ? tr("New text project") : tr("New image project"),
      QDir::homePath(), kProjectFilter);
  if (path.isEmpty()) return;
  if (!path.endsWith(QLatin1String(".attune"))) path += QLatin1String(".attune");
  Project project;
  project.name = QFileInfo(path).completeBaseName();
  project.task = task;
  // Texts start on the model that needs no transformer download: pre-trained word vectors.
  if (task == TaskKind::TextClassification)
    project.config.architecture = QLatin1String(kWordVectorArchitecture);
  if (auto saved = ProjectFile::save(project, path); !saved) {
    MessageBoxHook::warning(this, tr("Cannot create the project"), saved.error().text());
    return;
  }
  setProject(std::move(project));
  m_recentProjects->add(path);
}

void MainWindow::openWithDialog() {
  if (!maybeSave()) return;
  const QString start = m_project.filePath.isEmpty() ? QDir::homePath() : m_project.directory();
  const QString path = QFileDialog::getOpenFileName(this, tr("Open project"), start, kProjectFilter);
  if (!path.isEmpty()) openProject(path);
}

void MainWindow::openRecent(const QString& path) {
  if (maybeSave()) openProject(path);
}

bool MainWindow::openProject(const QString& path) {
  if (isTraining()) return false;
  auto loaded = ProjectFile::load(QFileInfo(path).absoluteFilePath());
  if (!loaded) {
    MessageBoxHook::warning(this, tr("Cannot open the project"), loaded.error().text());
    m_recentProjects->remove(path);
    return false;
  }
  if (loaded->name.isEmpty()) loaded->name = QFileInfo(path).completeBaseName();
  setProject(std::move(loaded.value()));
  m_recentProjects->add(m_project.filePath);
  statusBar()->showMessage(tr("Opened %1").arg(QDir::toNativeSeparators(m_project.filePath)),
                           kStatusMessage_ms);
  return true;
}

bool MainWindow::saveProject() {
  return m_project.filePath.isEmpty() ? saveWithDialog() : saveProjectAs(m_project.filePath);
}

bool MainWindow::saveWithDialog() {
  const QString start = m_project.filePath.isEmpty() ? QDir::homePath() + QLatin1Char('/') + m_project.name
                                                     : m_project.filePath;
  QString path = QFileDialog::getSaveFileName(this, tr("Save project as"), start, kProjectFilter);
  if (path.isEmpty()) return false;
  if (!path.endsWith(QLatin1String(".attune"))) path += QLatin1String(".attune");
  return saveProjectAs(path);
}

bool MainWindow::saveProjectAs(const QString& path) {
  if (m_project.filePath.isEmpty() && m_project.name == tr("Untitled"))
    m_project.name = QFileInfo(path).completeBaseName();
  const QString oldPath = m_project.filePath;
  if (auto saved = ProjectFile::save(m_project, QFileInfo(path).absoluteFilePath()); !saved) {
    MessageBoxHook::warning(this, tr("Cannot save the project"), saved.error().text());
    return false;
  }
  // The labels made in Attune go with the project to its new file (the old journal stays too).
  if (!oldPath.isEmpty() && oldPath != m_project.filePath) {
    const QString from = LabelJournal::pathFor(oldPath);
    const QString to = LabelJournal::pathFor(m_project.filePath);
    m_journal.reset();
    if (QFileInfo::exists(from) && (QFile::remove(to) || !QFileInfo::exists(to)) && !QFile::copy(from, to))
      MessageBoxHook::warning(
          this, tr("Labels not copied"),
          tr("The project was saved, but the labels made in Attune could not be copied from %1 to %2. Copy "
             "that file by hand; until then the project at its new place does not have them.")
              .arg(QDir::toNativeSeparators(from), QDir::toNativeSeparators(to)));
  }
  setModified(false);
  m_recentProjects->add(m_project.filePath);
  statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(m_project.filePath)),
                           kStatusMessage_ms);
  return true;
}

bool MainWindow::maybeSave() {
  if (!isWindowModified()) return true;
  const auto answer = MessageBoxHook::question(
      this, tr("Save changes?"), tr("The project \"%1\" has unsaved changes. Save them?").arg(m_project.name),
      QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Save) return saveProject();
  return answer == QMessageBox::Discard;
}

void MainWindow::startTraining() {
  startRun({}, 0);
}

void MainWindow::continueTrainingFrom(const QString& runId, int epoch) {
  startRun(runId, epoch);
}

void MainWindow::startRun(const QString& fromRun, int fromEpoch) {
  if (isTraining()) return;
  if (m_project.filePath.isEmpty()) {
    MessageBoxHook::information(this, tr("Save the project first"),
                                tr("Each run is stored in a runs folder next to the project file, so the "
                                   "project needs a file first."));
    if (!saveWithDialog()) return;
  }
  auto job = fromRun.isEmpty() ? prepareTrainingJob(m_project)
                               : prepareContinuedJob(m_project, fromRun, QString::number(fromEpoch));
  if (!job) {
    MessageBoxHook::warning(this, tr("Cannot start training"), job.error().text());
    return;
  }
  m_charts->clear();
  m_runPanel->startRun(job->config.epochs);
  for (const QString& warning : job->dataReport.warnings)
    m_runPanel->addEvent({RunEventKind::Warning, warning});
  for (const SkippedFile& skipped : job->dataReport.skipped)
    m_runPanel->addEvent({RunEventKind::Warning, tr("Skipped %1: %2").arg(skipped.path, skipped.reason)});
  m_runController->start(std::move(job.value()));
  if (!fromRun.isEmpty()) m_tabs->setCurrentWidget(m_trainingTab);
  updateRunState();
}

LabelState MainWindow::labelState() {
  if (m_journal) return m_journal->state();
  auto state = projectLabelState(m_project);
  if (state) return *state;
  statusBar()->showMessage(state.error().text());
  return {};
}

Status MainWindow::labelItems(const QStringList& keys, const QStringList& classNames) {
  if (m_project.filePath.isEmpty())
    return Error(ErrorCode::BadValue, tr("The project has no file yet, and labels are kept next to it."),
                 tr("Save the project first."));
  if (!m_journal) {
    auto journal = LabelJournal::open(LabelJournal::pathFor(m_project.filePath));
    if (!journal) return journal.error();
    m_journal = std::move(*journal);
  }
  QStringList madeKeys;
  QStringList madeClasses;
  Status status;
  for (qsizetype i = 0; i < keys.size() && i < classNames.size(); ++i) {
    status = m_journal->append({LabelChange::SetLabel, keys[i], classNames[i], {}});
    if (!status) break;
    madeKeys << keys[i];
    madeClasses << classNames[i];
  }
  if (!madeKeys.isEmpty()) {
    const LabelState& labels = m_journal->state();
    if (m_project.task == TaskKind::TextClassification) {
      m_textDataPanel->setLabelState(labels);
      m_textsView->setDataset(m_textDataPanel->dataset());
      m_project.classes = m_textDataPanel->classes();
    } else {
      m_dataPanel->setLabelState(labels);
      m_dataPanel->setFolder(m_project.data.folder);
      m_project.classes = m_dataPanel->classes();
    }
    updateTrainingImageCount();
    m_evaluationView->labelsMade(madeKeys, madeClasses);
    statusBar()->showMessage(tr("Saved %n labels in the project.", nullptr, int(madeKeys.size())),
                             kStatusMessage_ms);
  }
  return status;
}

void MainWindow::findLearningRate() {
  // The whole settings panel is disabled during a run; this guards calls from elsewhere.
  if (isTraining()) return;
  Project project = m_project;
  m_settingsPanel->applyTo(project.config);
  auto job = prepareTrainingJob(project);
  if (!job) {
    MessageBoxHook::warning(this, tr("Cannot find the learning rate"), job.error().text());
    return;
  }
  // The job is shared with the worker thread, which the dialog joins before it is destroyed.
  auto sharedJob = std::make_shared<const TrainingJob>(std::move(job.value()));
  auto* dialog = new LrFinderDialog(
      [sharedJob](const LrFinderProgress& progress, const std::atomic<bool>& stop) {
        return attune::findLearningRate(*sharedJob, LrFinderOptions{}, stop, progress);
      },
      this);
  dialog->setObjectName(QStringLiteral("lrFinderDialog"));
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  // Window-modal: training or other settings while the test runs would change what it measures.
  dialog->setWindowModality(Qt::WindowModal);
  connect(dialog, &LrFinderDialog::rateChosen, m_settingsPanel, &TrainingSettingsPanel::applyFoundRate);
  dialog->show();
  dialog->start();
}

void MainWindow::tryText(const QString& text) {
  if (m_project.task != TaskKind::TextClassification) return;
  m_tabs->setCurrentWidget(m_tryPanel);
  m_tryPanel->setText(text);
  m_tryPanel->classify();
}

void MainWindow::evaluateLatestRun() {
  startEvaluation({});
}

void MainWindow::evaluateCheckpoint(const QString& runId, int epoch) {
  EvaluationRequest request;
  request.run = runId;
  request.checkpoint = QString::number(epoch);
  m_tabs->setCurrentWidget(m_evaluationView);
  startEvaluation(request);
}

void MainWindow::startEvaluation(const EvaluationRequest& request) {
  if (isTraining() || isEvaluating()) return;
  m_evaluationView->setMessage(tr("Evaluating…"));
  m_evaluationView->setEvaluateEnabled(false);
  m_evaluationWatcher.setFuture(QtConcurrent::run([project = m_project, request]() {
    auto outcome = std::make_shared<EvaluationOutcome>();
    outcome->projectPath = project.filePath;
    auto fail = [&](const Error& error) {
      outcome->error = error.text();
      return outcome;
    };
    auto evaluation = evaluateRun(project, request);
    if (!evaluation) return fail(evaluation.error());
    // Without the per-epoch answers (older runs) there is no slider, and nothing else is lost.
    if (auto epochs = validationByEpoch(evaluation->runDirectory, evaluation->classes); epochs)
      outcome->epochs = std::move(*epochs);
    outcome->evaluation = std::make_shared<const RunEvaluation>(std::move(*evaluation));
    return outcome;
  }));
}

void MainWindow::showEvaluation() {
  const auto outcome = m_evaluationWatcher.result();
  if (outcome->projectPath != m_project.filePath)
    m_evaluationView->setEvaluation(nullptr);
  else if (outcome->evaluation) {
    m_evaluationView->setEvaluation(outcome->evaluation);
    m_evaluationView->setEpochs(outcome->epochs);
  } else
    m_evaluationView->setMessage(outcome->error, true);
  updateRunState();
}

void MainWindow::stopTraining() {
  m_runController->requestStop();
}

void MainWindow::onRunEnded(const RunSummary& summary, const QString& startedAt) {
  m_runPanel->finishRun(summary);
  // A run whose folder could not even be created has nothing to point to.
  if (!summary.runId.isEmpty()) {
    recordRun(m_project, summary, startedAt);
    if (m_project.filePath.isEmpty()) {
      setModified(true);
    } else if (auto saved = ProjectFile::save(m_project, m_project.filePath); !saved) {
      setModified(true);
      MessageBoxHook::warning(
          this, tr("Cannot save the project"),
          tr("The run ended but could not be added to the project file: %1").arg(saved.error().text()));
    } else {
      setModified(false);
    }
  }
  m_historyView->refresh(m_project);
  updateTryPanel();
  updateRunState();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (m_project.task == TaskKind::ImageClassification && event->mimeData()->hasUrls() &&
      !TryPanel::imageFilesOf(event->mimeData()->urls()).isEmpty())
    event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  // Images dropped anywhere on the window go to "Try it".
  const QStringList images = TryPanel::imageFilesOf(event->mimeData()->urls());
  if (m_project.task != TaskKind::ImageClassification || images.isEmpty()) return;
  event->acceptProposedAction();
  tryImages(images);
}

void MainWindow::tryImages(const QStringList& paths) {
  m_tabs->setCurrentWidget(m_tryPanel);
  m_tryPanel->classifyImages(paths);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (isTraining()) {
    // Ends within one training step; the run is recorded and the project saved by onRunEnded.
    statusBar()->showMessage(tr("Stopping training…"));
    QApplication::setOverrideCursor(Qt::WaitCursor);
    m_runController->stopAndWait();
    QApplication::restoreOverrideCursor();
  }
  if (!maybeSave()) {
    event->ignore();
    return;
  }
  event->accept();
}

}  // namespace attune::ui
