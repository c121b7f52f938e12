#include "ui/MainWindow.h"

#include "core/training/RunMetrics.h"
#include "ui/DataController.h"
#include "ui/DataHealthView.h"
#include "ui/DataPanel.h"
#include "ui/EvaluationController.h"
#include "ui/EvaluationView.h"
#include "ui/ExportController.h"
#include "ui/HealthController.h"
#include "ui/LabelController.h"
#include "ui/LabelStore.h"
#include "ui/LabelView.h"
#include "ui/ProjectDocument.h"
#include "ui/RecentProjects.h"
#include "ui/RunEngine.h"
#include "ui/RunHistoryView.h"
#include "ui/RunPanel.h"
#include "ui/TextDataPanel.h"
#include "ui/TextsView.h"
#include "ui/ThumbnailCache.h"
#include "ui/TrainingCharts.h"
#include "ui/TrainingController.h"
#include "ui/TrainingSettingsPanel.h"
#include "ui/TryPanel.h"
#include "ui/WelcomePage.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QUndoStack>
#include <QVBoxLayout>
#include <QWindow>

// Resources of a static library must be registered by hand (outside any namespace).
static void initAttuneResources() {
  Q_INIT_RESOURCE(attune);
}

namespace attune::ui {
namespace {

constexpr int kSettingsWidth_px = 560;
// The first size of the window, before any was saved (smaller screens get what they have).
constexpr QSize kDefaultWindowSize(1400, 900);
const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kMaximizedKey = QStringLiteral("window/maximized");
constexpr int kChartsHeight_px = 700;
constexpr int kRunPanelHeight_px = 170;
// The longer side of a thumbnail in the Label tab's grid.
constexpr int kThumbnail_px = 112;

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  initAttuneResources();
  QIcon icon(QStringLiteral(":/icons/attune-256.png"));
  icon.addFile(QStringLiteral(":/icons/attune-64.png"));
  setWindowIcon(icon);
  m_labels = new LabelStore(this);
  m_document = new ProjectDocument(m_labels, this);
  createViews();
  m_projectPage = layOut();
  m_welcome = new WelcomePage(this);
  m_pages = new QStackedWidget(this);
  m_pages->addWidget(m_projectPage);
  m_pages->addWidget(m_welcome);
  setCentralWidget(m_pages);
  setAcceptDrops(true);
  createControllers();
  createMenus();

  connect(m_document, &ProjectDocument::projectReplaced, this, &MainWindow::showProject);
  connect(m_document, &ProjectDocument::modifiedChanged, this, [this](bool modified) {
    setWindowModified(modified);
    updateTitle();
  });
  connect(m_historyView, &RunHistoryView::evaluateCheckpointRequested, this, &MainWindow::evaluateCheckpoint);
  connect(m_historyView, &RunHistoryView::continueFromRequested, this, &MainWindow::continueTrainingFrom);
  connect(m_historyView, &RunHistoryView::exportCheckpointRequested, m_export,
          &ExportController::exportWithDialog);
  connect(m_healthView, &DataHealthView::showRequested, this,
          [this](const QStringList& keys, const QString& title) {
            m_tabs->setCurrentWidget(m_labelView);
            m_labelView->showItems(keys, title);
          });
  connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
    if (m_tabs->currentWidget() == m_healthView && !m_healthView->hasChecked()) m_health->check();
  });
  connect(m_labelView, &LabelView::quickRetrainRequested, this,
          [this] { m_training->startRun({}, 0, true); });

  Project blank;
  blank.name = tr("Untitled");
  m_document->replace(std::move(blank));
}

// The controllers' workers are joined by their BackgroundJobs, the run by its RunController.
MainWindow::~MainWindow() = default;

void MainWindow::createViews() {
  auto named = [](QWidget* widget, const char* name) {
    widget->setObjectName(QLatin1String(name));
    return widget;
  };
  m_dataPanel = new DataPanel(this);
  m_textDataPanel = new TextDataPanel(this);
  named(m_textDataPanel, "textDataPanel");
  m_dataStack = new QStackedWidget(this);
  m_dataStack->addWidget(m_dataPanel);
  m_dataStack->addWidget(m_textDataPanel);
  m_textsView = new TextsView(this);
  named(m_textsView, "textsView");
  auto* thumbnails = new ThumbnailCache(ThumbnailCache::defaultDirectory(), kThumbnail_px, this);
  m_labelView = new LabelView(m_labels, thumbnails, this);
  named(m_labelView, "labelView");
  m_healthView = new DataHealthView(this);
  named(m_healthView, "dataHealthView");
  m_tryPanel = new TryPanel(this);
  named(m_tryPanel, "tryPanel");
  m_evaluationView = new EvaluationView(this);
  named(m_evaluationView, "evaluationView");
  m_historyView = new RunHistoryView(this);
  named(m_historyView, "runHistoryView");
  m_settingsPanel = new TrainingSettingsPanel(this);
  m_charts = new TrainingCharts(this);
  m_runPanel = new RunPanel(this);
}

QWidget* MainWindow::layOut() {
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
  return splitter;
}

void MainWindow::createControllers() {
  auto* labelsSaved = new QLabel(this);
  labelsSaved->setObjectName(QStringLiteral("labelsSavedLabel"));
  statusBar()->addPermanentWidget(labelsSaved);
  m_data = new DataController(*m_document, m_labels,
                              {m_dataStack, m_dataPanel, m_textDataPanel, m_textsView, m_labelView,
                               m_evaluationView, m_settingsPanel, m_tryPanel},
                              this);
  m_labelling = new LabelController(*m_document, m_labels, m_labelView, m_evaluationView, labelsSaved, this);
  m_health = new HealthController(*m_document, m_labels, m_healthView, m_settingsPanel, this);
  m_evaluation = new EvaluationController(*m_document, m_evaluationView, this);
  m_export = new ExportController(*m_document, this);
  m_training =
      new TrainingController(*m_document, {m_settingsPanel, m_charts, m_runPanel, m_labelView}, this);
  auto showMessage = [this](const QString& message, int timeout_ms) {
    statusBar()->showMessage(message, timeout_ms);
  };
  connect(m_document, &ProjectDocument::statusMessage, this, showMessage);
  for (WindowController* controller : std::initializer_list<WindowController*>{
           m_data, m_labelling, m_health, m_evaluation, m_export, m_training}) {
    connect(controller, &WindowController::statusMessage, this, showMessage);
    connect(controller, &WindowController::busyChanged, this, &MainWindow::updateRunState);
  }
  connect(m_training, &TrainingController::runEnded, this, &MainWindow::afterRun);
}

void MainWindow::createMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* newAction = file->addAction(tr("&New Image Project…"), m_document,
                                       [this] { m_document->newProject(TaskKind::ImageClassification); });
  newAction->setShortcut(QKeySequence::New);
  QAction* newTextAction = file->addAction(tr("New &Text Project…"), m_document,
                                           [this] { m_document->newProject(TaskKind::TextClassification); });
  QAction* openAction = file->addAction(tr("&Open…"), m_document, &ProjectDocument::openWithDialog);
  openAction->setShortcut(QKeySequence::Open);
  QMenu* recentMenu = file->addMenu(tr("Open &Recent"));
  auto* recent = new RecentProjects(recentMenu, this);
  m_recent = recent;
  m_document->setRecentProjects(recent);
  connect(recent, &RecentProjects::openRequested, m_document, &ProjectDocument::openRecent);
  connect(recent, &RecentProjects::changed, this,
          [this] { m_welcome->setRecentProjects(m_recent->storedPaths()); });
  m_welcome->setRecentProjects(recent->storedPaths());
  connect(m_welcome, &WelcomePage::openDemoRequested, m_document, &ProjectDocument::openRecent);
  connect(m_welcome, &WelcomePage::openRecentRequested, m_document, &ProjectDocument::openRecent);
  connect(m_welcome, &WelcomePage::openProjectRequested, m_document, &ProjectDocument::openWithDialog);
  connect(m_welcome, &WelcomePage::newImageProjectRequested, m_document,
          [this] { m_document->newProject(TaskKind::ImageClassification); });
  connect(m_welcome, &WelcomePage::newTextProjectRequested, m_document,
          [this] { m_document->newProject(TaskKind::TextClassification); });
  file->addSeparator();
  QAction* saveAction = file->addAction(tr("&Save"), this, [this] { saveProject(); });
  saveAction->setShortcut(QKeySequence::Save);
  saveAction->setObjectName(QStringLiteral("actionSave"));
  QAction* saveAsAction =
      file->addAction(tr("Save &As…"), m_document, [this] { m_document->saveWithDialog(); });
  saveAsAction->setShortcut(QKeySequence::SaveAs);
  file->addSeparator();
  QAction* exportModelAction =
      file->addAction(tr("&Export Model…"), m_export, [this] { m_export->exportWithDialog({}, 0); });
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

  m_labelling->fillMenu(menuBar()->addMenu(tr("&Labels")));
  m_idleOnlyActions = {newAction, newTextAction, openAction, recentMenu->menuAction()};
}

void MainWindow::setRunEngine(std::unique_ptr<RunEngine> engine) {
  m_training->setEngine(std::move(engine));
}

const Project& MainWindow::project() const {
  return m_document->project();
}

bool MainWindow::isTraining() const {
  return m_training->isTraining();
}

void MainWindow::showProject() {
  const Project& project = m_document->project();
  // A project opened or made (it has a file): its views instead of the welcome page.
  if (m_pages && !project.filePath.isEmpty()) m_pages->setCurrentWidget(m_projectPage);
  const bool texts = project.task == TaskKind::TextClassification;
  m_data->showProject();
  m_health->clear();
  m_tabs->setTabVisible(m_tabs->indexOf(m_textsView), texts);
  m_tryPanel->setTask(project.task);
  m_tabs->setCurrentWidget(m_trainingTab);
  m_evaluationView->setEvaluation(nullptr);
  m_historyView->refresh(project);
  m_settingsPanel->setTask(project.task);
  m_settingsPanel->setConfig(project.config);
  updateTryPanel();
  updateTitle();
  updateRunState();
}

void MainWindow::updateTitle() {
  const QString& name = m_document->project().name;
  // Qt shows '*' in place of "[*]" while the window is modified.
  setWindowTitle(tr("%1[*] — Attune").arg(name.isEmpty() ? tr("Untitled") : name));
}

void MainWindow::updateRunState() {
  const bool running = isTraining();
  m_runPanel->setRunning(running);
  m_data->setEditable(!running);
  m_evaluationView->setEvaluateEnabled(!running && !isEvaluating());
  m_settingsPanel->setEnabled(!running);
  for (QAction* action : m_idleOnlyActions) action->setEnabled(!running);
  m_labelling->updateModelState();
}

void MainWindow::afterRun(const RunSummary& summary) {
  m_historyView->refresh(m_document->project());
  updateTryPanel();
  // The labelling loop: a finished run's suggestions for the pool.
  if (summary.outcome == RunOutcome::Finished) m_labelling->suggestAfterRun();
}

void MainWindow::updateTryPanel() {
  const RunRecord* run = m_document->latestTrainedRun();
  if (run == nullptr) {
    m_tryPanel->setRun({}, {});
    return;
  }
  m_tryPanel->setRun(QFileInfo(run->bestCheckpoint).absolutePath(),
                     tr("run %1 (epoch %2, validation accuracy %3 %)")
                         .arg(run->id)
                         .arg(run->bestEpoch)
                         .arg(run->bestValAccuracy * 100.0, 0, 'f', 1));
}

bool MainWindow::openProject(const QString& path) {
  return m_document->open(path);
}

bool MainWindow::saveProject() {
  return m_document->save();
}

bool MainWindow::saveProjectAs(const QString& path) {
  return m_document->saveAs(path);
}

void MainWindow::startTraining() {
  m_training->startRun();
}

void MainWindow::continueTrainingFrom(const QString& runId, int epoch) {
  if (m_training->startRun(runId, epoch)) m_tabs->setCurrentWidget(m_trainingTab);
}

void MainWindow::stopTraining() {
  m_training->stop();
}

void MainWindow::tryText(const QString& text) {
  if (m_document->project().task != TaskKind::TextClassification) return;
  m_tabs->setCurrentWidget(m_tryPanel);
  m_tryPanel->setText(text);
  m_tryPanel->classify();
}

void MainWindow::tryImages(const QStringList& paths) {
  m_tabs->setCurrentWidget(m_tryPanel);
  m_tryPanel->classifyImages(paths);
}

void MainWindow::evaluateLatestRun() {
  m_evaluation->evaluateLatestRun();
}

void MainWindow::evaluateCheckpoint(const QString& runId, int epoch) {
  m_tabs->setCurrentWidget(m_evaluationView);
  m_evaluation->evaluateCheckpoint(runId, epoch);
}

bool MainWindow::isEvaluating() const {
  return m_evaluation->isEvaluating();
}

Status MainWindow::labelItems(const QStringList& keys, const QStringList& classNames) {
  return m_labelling->labelItems(keys, classNames);
}

Status MainWindow::importLabels(const QString& path) {
  return m_labelling->importLabels(path);
}

Status MainWindow::exportLabels(const QString& path) {
  return m_labelling->exportLabels(path);
}

Status MainWindow::exportClassFolders(const QString& directory) {
  return m_labelling->exportClassFolders(directory);
}

void MainWindow::exportModelWithDialog(const QString& runId, int epoch) {
  m_export->exportWithDialog(runId, epoch);
}

bool MainWindow::exportModel(const QString& runId, int epoch, const QString& parentDirectory,
                             ModelExportFormat format, bool check) {
  return m_export->exportModel(runId, epoch, parentDirectory, format, check);
}

bool MainWindow::isExporting() const {
  return m_export->isExporting();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (m_document->project().task == TaskKind::ImageClassification && event->mimeData()->hasUrls() &&
      !TryPanel::imageFilesOf(event->mimeData()->urls()).isEmpty())
    event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  // Images dropped anywhere on the window go to "Try it".
  const QStringList images = TryPanel::imageFilesOf(event->mimeData()->urls());
  if (m_document->project().task != TaskKind::ImageClassification || images.isEmpty()) return;
  event->acceptProposedAction();
  tryImages(images);
}

void MainWindow::showWelcome() {
  m_welcome->setRecentProjects(m_recent->storedPaths());
  m_pages->setCurrentWidget(m_welcome);
}

bool MainWindow::isShowingWelcome() const {
  return m_pages->currentWidget() == m_welcome;
}

void MainWindow::showEvent(QShowEvent* event) {
  if (!m_placed) {
    m_placed = true;
    placeOnScreen();
  }
  QMainWindow::showEvent(event);
}

void MainWindow::placeOnScreen() {
  QScreen* display = screen();
  if (!display) return;
  // The frame (title bar, borders) counts too, where the platform already knows it.
  const QMargins frame = windowHandle() ? windowHandle()->frameMargins() : QMargins();
  const QRect available = display->availableGeometry().marginsRemoved(frame);
  QSettings settings;
  QRect wanted = settings.value(kGeometryKey).toRect();
  const bool maximized = settings.value(kMaximizedKey, false).toBool();
  if (!wanted.isValid()) wanted = QRect(QPoint(), kDefaultWindowSize);
  // Never larger than what the screen leaves free (the layout's minimum fits a 1,366 x 768 screen).
  const QSize size = wanted.size().boundedTo(available.size()).expandedTo(minimumSizeHint());
  QRect placed(wanted.topLeft(), size);
  // Saved on a screen that is gone, or partly off this one: centred on this one.
  if (!settings.contains(kGeometryKey) || !available.contains(placed)) placed.moveCenter(available.center());
  if (!available.contains(placed)) placed.moveTopLeft(available.topLeft());
  setGeometry(placed);
  if (maximized) setWindowState(windowState() | Qt::WindowMaximized);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (isTraining()) {
    // Ends within one training step; the run is recorded and the project saved when it ends.
    statusBar()->showMessage(tr("Stopping training…"));
    QApplication::setOverrideCursor(Qt::WaitCursor);
    m_training->stopAndWait();
    QApplication::restoreOverrideCursor();
  }
  if (!m_document->maybeSave()) {
    event->ignore();
    return;
  }
  QSettings settings;
  settings.setValue(kMaximizedKey, isMaximized());
  if (!isMaximized() && !isFullScreen()) settings.setValue(kGeometryKey, geometry());
  event->accept();
}

}  // namespace attune::ui
