#include "ui/MainWindow.h"

#include "core/eval/Evaluation.h"
#include "core/eval/Suggestions.h"
#include "core/export/ModelExport.h"
#include "core/models/Architecture.h"
#include "core/project/ProjectFile.h"
#include "core/training/DatasetHealth.h"
#include "core/training/LabelExchange.h"
#include "core/training/LrFinder.h"
#include "core/training/ProjectData.h"
#include "core/training/TrainingJob.h"
#include "ui/Colors.h"
#include "ui/DataHealthView.h"
#include "ui/DataPanel.h"
#include "ui/EvaluationView.h"
#include "ui/FileDialogHook.h"
#include "ui/LabelItemsModel.h"
#include "ui/LabelStore.h"
#include "ui/LabelView.h"
#include "ui/LrFinderDialog.h"
#include "ui/MessageBoxHook.h"
#include "ui/RecentProjects.h"
#include "ui/RunController.h"
#include "ui/RunHistoryView.h"
#include "ui/RunPanel.h"
#include "ui/TextDataPanel.h"
#include "ui/TextsView.h"
#include "ui/ThumbnailCache.h"
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
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QUndoStack>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

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

// A data health check, made on a worker.
struct MainWindow::HealthOutcome {
  QString projectPath;
  std::vector<HealthFinding> findings;
  QString error;
};

// The latest model's suggestions for the unlabelled items, made on a worker.
struct MainWindow::SuggestionOutcome {
  QString projectPath;
  std::optional<LabelSuggestions> suggestions;
  QString error;
};

namespace {

constexpr int kSettingsWidth_px = 560;
constexpr int kChartsHeight_px = 700;
constexpr int kRunPanelHeight_px = 170;
constexpr int kStatusMessage_ms = 4000;
constexpr int kLabelRefresh_ms = 150;
// The longer side of a thumbnail in the Label tab's grid.
constexpr int kThumbnail_px = 112;
// After a run, the model is asked about at most this many unlabelled items without the user asking.
constexpr int kSuggestAfterRunItems = 5000;
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
  m_labels = new LabelStore(this);
  m_thumbnails = new ThumbnailCache(ThumbnailCache::defaultDirectory(), kThumbnail_px, this);
  m_labelView = new LabelView(m_labels, m_thumbnails, this);
  m_labelView->setObjectName(QStringLiteral("labelView"));
  m_healthView = new DataHealthView(this);
  m_healthView->setObjectName(QStringLiteral("dataHealthView"));
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
  m_tabs->addTab(m_labelView, tr("Label"));
  m_tabs->addTab(m_healthView, tr("Data Health"));
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
  m_labelsSavedLabel = new QLabel(this);
  m_labelsSavedLabel->setObjectName(QStringLiteral("labelsSavedLabel"));
  statusBar()->addPermanentWidget(m_labelsSavedLabel);
  m_labelRefreshTimer = new QTimer(this);
  m_labelRefreshTimer->setSingleShot(true);
  m_labelRefreshTimer->setInterval(kLabelRefresh_ms);
  connect(m_labelRefreshTimer, &QTimer::timeout, this, &MainWindow::refreshAfterLabels);
  connect(m_labels, &LabelStore::labelsChanged, this, &MainWindow::onLabelsChanged);
  connect(m_labels, &LabelStore::labelsChanged, m_labelView, &LabelView::labelsChanged);
  connect(m_labels, &LabelStore::writeFailed, this, [this](const QString& message) {
    showLabelsSaved(false, message);
    MessageBoxHook::warning(this, tr("Labels not saved"), message);
  });
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
  connect(m_labelView, &LabelView::suggestionsRequested, this, &MainWindow::requestSuggestions);
  connect(m_healthView, &DataHealthView::checkRequested, this, &MainWindow::checkDataHealth);
  connect(m_healthView, &DataHealthView::fixRequested, this, &MainWindow::fixHealthFinding);
  connect(m_healthView, &DataHealthView::showRequested, this,
          [this](const QStringList& keys, const QString& title) {
            m_tabs->setCurrentWidget(m_labelView);
            m_labelView->showItems(keys, title);
          });
  connect(&m_healthWatcher, &QFutureWatcher<std::shared_ptr<HealthOutcome>>::finished, this,
          &MainWindow::showDataHealth);
  connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
    if (m_tabs->currentWidget() == m_healthView && !m_healthView->hasChecked()) checkDataHealth();
  });
  connect(m_labelView, &LabelView::quickRetrainRequested, this, [this] { startRun({}, 0, true); });
  connect(&m_suggestionWatcher, &QFutureWatcher<std::shared_ptr<SuggestionOutcome>>::finished, this,
          &MainWindow::showSuggestions);
  connect(&m_evaluationWatcher, &QFutureWatcher<std::shared_ptr<EvaluationOutcome>>::finished, this,
          &MainWindow::showEvaluation);
  connect(m_historyView, &RunHistoryView::exportCheckpointRequested, this,
          &MainWindow::exportModelWithDialog);
  connect(&m_exportWatcher, &QFutureWatcher<std::shared_ptr<ExportOutcome>>::finished, this,
          &MainWindow::showExported);
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
  m_suggestionWatcher.waitForFinished();
  m_healthWatcher.waitForFinished();
  m_exportWatcher.waitForFinished();
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
  QAction* exportModelAction =
      file->addAction(tr("&Export Model…"), this, [this] { exportModelWithDialog({}, 0); });
  exportModelAction->setObjectName(QStringLiteral("actionExportModel"));
  exportModelAction->setToolTip(tr("Save the latest run's best model as a folder other tools can load."));
  file->addSeparator();
  QAction* quitAction = file->addAction(tr("&Quit"), this, &QWidget::close);
  quitAction->setShortcut(QKeySequence::Quit);

  // Undo and redo of every labelling action (the labels are the user's work; settings are not
  // steps here).
  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  QAction* undoAction = m_labels->undoStack()->createUndoAction(this, tr("&Undo"));
  undoAction->setShortcut(QKeySequence::Undo);
  undoAction->setObjectName(QStringLiteral("actionUndo"));
  QAction* redoAction = m_labels->undoStack()->createRedoAction(this, tr("&Redo"));
  redoAction->setShortcut(QKeySequence::Redo);
  redoAction->setObjectName(QStringLiteral("actionRedo"));
  edit->addAction(undoAction);
  edit->addAction(redoAction);

  QMenu* labels = menuBar()->addMenu(tr("&Labels"));
  labels->addAction(tr("&Import Labels…"), this, [this] {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Import Labels"), QFileInfo(m_project.filePath).absolutePath(),
                                     tr("Labels (*.csv *.tsv *.json);;CSV of file or text and label (*.csv "
                                        "*.tsv);;Label Studio export (*.json)"));
    if (path.isEmpty()) return;
    if (auto imported = importLabels(path); !imported)
      MessageBoxHook::warning(this, tr("Labels not imported"), imported.error().text());
  });
  labels->addAction(tr("&Export Labels…"), this, [this] {
    QString filter = tr("CSV of file or text and label (*.csv)");
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export Labels"), QFileInfo(m_project.filePath).absolutePath(),
        tr("CSV of file or text and label (*.csv);;Label Studio tasks (*.json)"), &filter);
    if (path.isEmpty()) return;
    QString target = path;
    if (QFileInfo(path).suffix().isEmpty())
      target += filter.contains(QLatin1String("json")) ? QStringLiteral(".json") : QStringLiteral(".csv");
    if (auto exported = exportLabels(target); !exported)
      MessageBoxHook::warning(this, tr("Labels not exported"), exported.error().text());
  });
  QAction* foldersAction = labels->addAction(tr("Export as &Class Folders…"), this, [this] {
    const QString directory =
        QFileDialog::getExistingDirectory(this, tr("Export as Class Folders (an empty folder)"));
    if (directory.isEmpty()) return;
    if (auto exported = exportClassFolders(directory); !exported)
      MessageBoxHook::warning(this, tr("Images not exported"), exported.error().text());
  });
  foldersAction->setObjectName(QStringLiteral("actionExportClassFolders"));
  m_idleOnlyActions = {newAction, newTextAction, openAction, recentMenu->menuAction()};
}

bool MainWindow::isTraining() const {
  return m_runController->isRunning();
}

void MainWindow::setProject(Project project) {
  m_project = std::move(project);
  if (auto opened = m_labels->setProjectPath(m_project.filePath); !opened) {
    statusBar()->showMessage(opened.error().text());
    showLabelsSaved(false, opened.error().text());
  } else {
    showLabelsSaved(true);
  }
  const LabelState& labels = m_labels->state();
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
  updateLabelView();
  m_healthView->clear();
  m_tabs->setTabVisible(m_tabs->indexOf(m_textsView), texts);
  m_tryPanel->setTask(m_project.task);
  m_tryPanel->setTextColumn(m_project.data.textColumn);
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
  updateLabelModelState();
}

void MainWindow::onConfigEdited() {
  m_settingsPanel->applyTo(m_project.config);
  setModified(true);
}

void MainWindow::onFolderChosen(const QString& folder) {
  m_project.data.folder = folder;
  m_project.classes = m_dataPanel->classes();
  updateLabelView();
  updateTrainingImageCount();
  setModified(true);
}

void MainWindow::onTextDataChosen() {
  m_textDataPanel->applyTo(m_project.data);
  m_tryPanel->setTextColumn(m_project.data.textColumn);
  m_project.classes = m_textDataPanel->classes();
  m_textsView->setDataset(m_textDataPanel->dataset());
  updateLabelView();
  updateTrainingImageCount();
  setModified(true);
}

void MainWindow::updateLabelView() {
  if (m_project.task == TaskKind::TextClassification)
    m_labelView->setTexts(m_textDataPanel->tableDataset(), m_project.data.table);
  else
    m_labelView->setImages(m_dataPanel->scannedImages());
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
  flushLabelRefresh();
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
  flushLabelRefresh();
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
    if (QFileInfo::exists(from) && (QFile::remove(to) || !QFileInfo::exists(to)) && !QFile::copy(from, to))
      MessageBoxHook::warning(
          this, tr("Labels not copied"),
          tr("The project was saved, but the labels made in Attune could not be copied from %1 to %2. Copy "
             "that file by hand; until then the project at its new place does not have them.")
              .arg(QDir::toNativeSeparators(from), QDir::toNativeSeparators(to)));
  }
  // Labelling goes on in the journal next to the saved file (a first save gives labels a place).
  if (m_project.filePath != m_labels->projectPath()) {
    if (auto moved = m_labels->moveTo(m_project.filePath); !moved)
      showLabelsSaved(false, moved.error().text());
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

void MainWindow::startRun(const QString& fromRun, int fromEpoch, bool quick) {
  if (isTraining()) return;
  flushLabelRefresh();
  if (m_project.filePath.isEmpty()) {
    MessageBoxHook::information(this, tr("Save the project first"),
                                tr("Each run is stored in a runs folder next to the project file, so the "
                                   "project needs a file first."));
    if (!saveWithDialog()) return;
  }
  // A quick run (the labelling loop) trains the head alone on cached features; the project's own
  // settings stay as they are.
  Project settings = m_project;
  if (quick) applyPreset(settings.config, Preset::Quick);
  auto job = fromRun.isEmpty() ? prepareTrainingJob(settings)
                               : prepareContinuedJob(settings, fromRun, QString::number(fromEpoch));
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
  m_labelView->startCountingForRun();
  if (!fromRun.isEmpty()) m_tabs->setCurrentWidget(m_trainingTab);
  updateRunState();
}

Status MainWindow::labelItems(const QStringList& keys, const QStringList& classNames) {
  const bool oneClass = !classNames.isEmpty() && classNames.count(classNames.first()) == classNames.size();
  const QString step = oneClass
                           ? tr("Label %n examples '%1'", nullptr, int(keys.size())).arg(classNames.first())
                           : tr("Label %n examples", nullptr, int(keys.size()));
  auto made = m_labels->setLabels(keys, classNames, step);
  if (made) {
    m_evaluationView->labelsMade(keys, classNames);
    statusBar()->showMessage(tr("Saved %n labels in the project.", nullptr, int(keys.size())),
                             kStatusMessage_ms);
  }
  return made;
}

Status MainWindow::importLabels(const QString& path) {
  if (m_project.filePath.isEmpty())
    return Error(ErrorCode::BadValue, tr("The project has no file yet, and labels are kept next to it."),
                 tr("Save the project first."));
  const bool labelStudio = QFileInfo(path).suffix().toLower() == QLatin1String("json");
  auto imported = labelStudio ? importLabelStudio(m_project, path) : importLabelsCsv(m_project, path);
  if (!imported) return imported.error();
  if (imported->keys.isEmpty())
    return Error(ErrorCode::NotEnoughData,
                 tr("No label in %1 belongs to an item of this project.").arg(QDir::toNativeSeparators(path)),
                 imported->notes.join(QStringLiteral("; ")));
  if (auto made = m_labels->setLabels(imported->keys, imported->classNames,
                                      tr("Import %n labels from %1", nullptr, int(imported->keys.size()))
                                          .arg(QFileInfo(path).fileName()));
      !made)
    return made;
  QString message =
      tr("Imported %n labels from %1.", nullptr, int(imported->keys.size())).arg(QFileInfo(path).fileName());
  if (!imported->notes.isEmpty()) {
    message += QLatin1Char(' ') + imported->notes.join(QStringLiteral("; ")) + QLatin1Char('.');
    MessageBoxHook::information(this, tr("Labels imported"), message);
  }
  statusBar()->showMessage(message, kStatusMessage_ms);
  return {};
}

Status MainWindow::exportLabels(const QString& path) {
  Status written;
  if (QFileInfo(path).suffix().toLower() == QLatin1String("json")) {
    // The model's suggestions shown in the Label tab go along as Label Studio's pre-annotations.
    QHash<QString, ItemPrediction> predictions;
    const LabelItemsModel* model = m_labelView->model();
    for (int row = 0; row < model->rowCount(); ++row) {
      double confidence = -1.0;
      const QString suggested = model->suggestionOf(row, &confidence);
      if (!suggested.isEmpty()) predictions.insert(model->items()[size_t(row)].key, {suggested, confidence});
    }
    written =
        exportLabelStudio(m_project, path, predictions,
                          predictions.isEmpty() ? QString() : tr("attune run %1").arg(m_suggestionsRunId));
  } else {
    written = exportLabelsCsv(m_project, path);
  }
  if (written)
    statusBar()->showMessage(tr("Wrote %1.").arg(QDir::toNativeSeparators(path)), kStatusMessage_ms);
  return written;
}

Status MainWindow::exportClassFolders(const QString& directory) {
  auto copied = attune::exportClassFolders(m_project, directory);
  if (!copied) return copied.error();
  statusBar()->showMessage(tr("Copied %n labelled images into class folders under %1.", nullptr, *copied)
                               .arg(QDir::toNativeSeparators(directory)),
                           kStatusMessage_ms);
  return {};
}

struct MainWindow::ExportOutcome {
  QString runId;
  int epoch = 0;
  QString directory;
  QString error;
};

void MainWindow::exportModelWithDialog(const QString& runId, int epoch) {
  if (isExporting()) return;
  if (!hasTrainedModel()) {
    MessageBoxHook::information(this, tr("No model to export yet"),
                                tr("Train a model first: each run keeps its best and last epoch's model."));
    return;
  }
  const QString directory = FileDialogHook::existingDirectory(
      this, tr("Export the Model Into (a new folder is made inside)"), m_project.directory());
  if (!directory.isEmpty()) exportModel(runId, epoch, directory);
}

bool MainWindow::exportModel(const QString& runId, int epoch, const QString& parentDirectory) {
  if (isExporting()) return false;
  statusBar()->showMessage(tr("Exporting the model…"));
  m_exportWatcher.setFuture(QtConcurrent::run([project = m_project, runId, epoch, parentDirectory]() {
    auto outcome = std::make_shared<ExportOutcome>();
    // A new folder: the project, the run and the epoch in its name, numbered when it exists.
    QString base = project.name.isEmpty() ? QStringLiteral("model") : project.name;
    base.replace(QRegularExpression(QStringLiteral("[^\\w.-]+")), QStringLiteral("-"));
    const QString name = QStringLiteral("%1-%2-%3")
                             .arg(base, runId.isEmpty() ? QStringLiteral("latest") : runId,
                                  epoch > 0 ? QStringLiteral("epoch-%1").arg(epoch) : QStringLiteral("best"));
    QString destination = QDir(parentDirectory).filePath(name);
    for (int n = 2; QFileInfo::exists(destination); ++n)
      destination = QDir(parentDirectory).filePath(QStringLiteral("%1 (%2)").arg(name).arg(n));
    ModelExportRequest request;
    request.run = runId;
    request.checkpoint = epoch > 0 ? QString::number(epoch) : QStringLiteral("best");
    request.outDirectory = destination;
    auto exported = attune::exportModel(project, request);
    if (!exported) {
      outcome->error = exported.error().text();
      return outcome;
    }
    outcome->runId = exported->runId;
    outcome->epoch = exported->epoch;
    outcome->directory = exported->directory;
    return outcome;
  }));
  return true;
}

void MainWindow::showExported() {
  const auto outcome = m_exportWatcher.result();
  statusBar()->clearMessage();
  if (!outcome->error.isEmpty()) {
    MessageBoxHook::warning(this, tr("Model not exported"), outcome->error);
    return;
  }
  statusBar()->showMessage(tr("Exported the model to %1.").arg(QDir::toNativeSeparators(outcome->directory)),
                           kStatusMessage_ms);
  MessageBoxHook::information(
      this, tr("Model exported"),
      tr("The model of run %1 after epoch %2 is in %3.\n\nIt holds the model (model.safetensors), its "
         "classes and how it reads its input. Use it without the project with:\n  attune-cli predict "
         "\"%3\" IMAGES_OR_TEXTS")
          .arg(outcome->runId)
          .arg(outcome->epoch)
          .arg(QDir::toNativeSeparators(outcome->directory)));
}

void MainWindow::checkDataHealth() {
  if (m_healthWatcher.isRunning()) return;
  m_healthView->setChecking(true);
  m_healthWatcher.setFuture(QtConcurrent::run([project = m_project]() {
    auto outcome = std::make_shared<HealthOutcome>();
    outcome->projectPath = project.filePath;
    auto findings = checkDatasetHealth(project);
    if (findings)
      outcome->findings = std::move(*findings);
    else
      outcome->error = findings.error().text();
    return outcome;
  }));
}

void MainWindow::showDataHealth() {
  const auto outcome = m_healthWatcher.result();
  m_healthView->setChecking(false);
  if (outcome->projectPath != m_project.filePath) return;
  if (!outcome->error.isEmpty())
    m_healthView->clear(tr("The data could not be checked: %1").arg(outcome->error));
  else
    m_healthView->setFindings(outcome->findings, m_project.filePath);
}

void MainWindow::fixHealthFinding(const HealthFinding& finding) {
  if (finding.fix == HealthFix::WeightClasses) {
    m_project.config.classBalance = ClassBalance::WeightedLoss;
    m_settingsPanel->setConfig(m_project.config);
    setModified(true);
    statusBar()->showMessage(tr("The classes are weighted in the loss from the next run on."),
                             kStatusMessage_ms);
  } else {
    QStringList keys;
    QStringList classNames;
    healthFixLabels(finding, keys, classNames);
    if (keys.isEmpty()) return;
    if (auto made = m_labels->setLabels(keys, classNames, finding.fixLabel); !made) {
      MessageBoxHook::warning(this, tr("Not fixed"), made.error().text());
      return;
    }
  }
  checkDataHealth();
}

void MainWindow::onLabelsChanged(const QStringList& keys) {
  showLabelsSaved(true);
  // Relabelled items change counts only: the data panels (a pass over every item: about 60 ms at
  // 100,000 images, bench_label_grid) recount kLabelRefresh_ms after a label has shown, at most once
  // per that time, so that a key costs the Label tab's time alone. A change of classes shows at once.
  if (keys.isEmpty()) {
    refreshAfterLabels();
    return;
  }
  if (!m_labelRefreshTimer->isActive()) m_labelRefreshTimer->start();
}

void MainWindow::flushLabelRefresh() {
  if (m_labelRefreshTimer->isActive()) refreshAfterLabels();
}

void MainWindow::refreshAfterLabels() {
  m_labelRefreshTimer->stop();
  const LabelState& labels = m_labels->state();
  if (m_project.task == TaskKind::TextClassification) {
    m_textDataPanel->setLabelState(labels);
    m_textsView->setDataset(m_textDataPanel->dataset());
    m_project.classes = m_textDataPanel->classes();
  } else {
    m_dataPanel->setLabelState(labels);
    m_project.classes = m_dataPanel->classes();
  }
  QSet<QString> decided;
  for (const auto& [key, className] : labels.itemLabels) decided.insert(key);
  m_evaluationView->setDecidedItems(std::move(decided));
  updateTrainingImageCount();
}

void MainWindow::showLabelsSaved(bool saved, const QString& problem) {
  m_labelsSavedLabel->setText(saved ? tr("All labels saved") : tr("Labels not saved"));
  m_labelsSavedLabel->setToolTip(saved ? tr("Every label made in Attune is on the disk.") : problem);
  m_labelsSavedLabel->setStyleSheet(saved ? QString() : QStringLiteral("color: %1").arg(kErrorColor.name()));
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
  // The labelling loop: a finished run's suggestions for the pool, when the pool is small enough to
  // answer in moments (a large one is answered when the user asks).
  if (summary.outcome == RunOutcome::Finished && m_labelView->model()->rowCount() > 0) {
    int unlabelled = 0;
    for (int row = 0; row < m_labelView->model()->rowCount(); ++row)
      if (m_labelView->model()->classOf(row).isEmpty()) ++unlabelled;
    if (unlabelled > 0 && unlabelled <= kSuggestAfterRunItems) requestSuggestions();
  }
}

bool MainWindow::hasTrainedModel() const {
  for (const RunRecord& run : m_project.runs)
    if (!run.bestCheckpoint.isEmpty() && QFileInfo::exists(run.bestCheckpoint)) return true;
  return false;
}

void MainWindow::updateLabelModelState(const QString& status) {
  const bool busy = isTraining() || m_suggestionWatcher.isRunning();
  m_labelView->setModelState(!busy && hasTrainedModel(), !busy && !m_project.filePath.isEmpty(), status);
}

void MainWindow::requestSuggestions() {
  if (isTraining() || m_suggestionWatcher.isRunning() || !hasTrainedModel()) return;
  m_suggestionWatcher.setFuture(QtConcurrent::run([project = m_project]() {
    auto outcome = std::make_shared<SuggestionOutcome>();
    outcome->projectPath = project.filePath;
    auto suggestions = suggestLabels(project);
    if (suggestions)
      outcome->suggestions = std::move(*suggestions);
    else
      outcome->error = suggestions.error().text();
    return outcome;
  }));
  updateLabelModelState(tr("Asking the model about the unlabelled items…"));
}

void MainWindow::showSuggestions() {
  const auto outcome = m_suggestionWatcher.result();
  QString status;
  if (outcome->projectPath != m_project.filePath) {
    status.clear();  // another project was opened meanwhile
  } else if (!outcome->suggestions) {
    status = tr("The model could not be asked: %1").arg(outcome->error);
  } else {
    const LabelSuggestions& s = *outcome->suggestions;
    QHash<QString, std::vector<float>> byKey;
    for (qsizetype i = 0; i < s.keys.size(); ++i) byKey.insert(s.keys[i], s.probabilities[size_t(i)]);
    m_labelView->setSuggestions(s.classes, std::move(byKey));
    m_suggestionsRunId = s.runId;
    status =
        tr("Suggestions from run %1 for %n unlabelled items: Enter accepts one.", nullptr, int(s.keys.size()))
            .arg(s.runId);
  }
  updateLabelModelState(status);
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
