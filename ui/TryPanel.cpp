#include "ui/TryPanel.h"
#include "core/data/ImageFile.h"

#include "core/data/ImageFolderScanner.h"
#include "core/eval/BatchPrediction.h"
#include "core/eval/Predictor.h"
#include "ui/BackgroundJob.h"
#include "ui/Colors.h"
#include "ui/FileDialogHook.h"

#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QHeaderView>
#include <QImageReader>
#include <QLabel>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QShortcut>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <numeric>

namespace attune::ui {
namespace {

constexpr int kBarSteps = 1000;
constexpr int kInputHeight_px = 180;
constexpr int kThumbnail_px = 64;
// How many classes an image's row names after the most likely one.
constexpr int kRunnersUp = 2;

// The classes of `probabilities` from the most to the least likely.
std::vector<int> byProbability(const std::vector<double>& probabilities) {
  std::vector<int> order(probabilities.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return probabilities[size_t(a)] > probabilities[size_t(b)]; });
  return order;
}

QString percent(double p) {
  return QStringLiteral("%1 %").arg(p * 100.0, 0, 'f', 1);
}

QProgressBar* probabilityBar(double p, QWidget* parent) {
  auto* bar = new QProgressBar(parent);
  bar->setRange(0, kBarSteps);
  bar->setValue(int(p * kBarSteps + 0.5));
  bar->setFormat(percent(p));
  return bar;
}

}  // namespace

// What a worker hands back: the model (loaded now or before) and its answer, or why there is none.
struct TryPanel::Answer {
  std::shared_ptr<Predictor> predictor;
  QString runDirectory;
  bool images = false;
  QStringList inputs;
  std::vector<std::vector<double>> probabilities;  // per input
  QStringList failures;                            // images: per input, why it could not be read
  std::vector<QImage> thumbnails;                  // images: per input (null when unreadable)
  QString csvPath;                                 // a batch into a CSV file: where it went
  BatchPrediction batch;
  QString error;
};

TryPanel::TryPanel(QWidget* parent) : QWidget(parent) {
  m_modelLabel = new QLabel(this);
  m_modelLabel->setObjectName(QStringLiteral("tryModelLabel"));
  m_modelLabel->setWordWrap(true);
  m_input = new QPlainTextEdit(this);
  m_input->setObjectName(QStringLiteral("tryTextEdit"));
  m_input->setPlaceholderText(tr("Type or paste a text here, then press Classify (Ctrl+Enter)."));
  m_input->setTabChangesFocus(true);
  m_input->setMaximumHeight(kInputHeight_px);
  m_classifyButton = new QPushButton(tr("Classify"), this);
  m_classifyButton->setObjectName(QStringLiteral("tryClassifyButton"));
  m_classifyButton->setToolTip(tr("Ask the trained model which class this text belongs to."));
  m_dropLabel = new QLabel(tr("Drop images here (or anywhere on the window), or choose them."), this);
  m_dropLabel->setObjectName(QStringLiteral("tryDropLabel"));
  m_dropLabel->setAlignment(Qt::AlignCenter);
  m_dropLabel->setMinimumHeight(kInputHeight_px / 2);
  m_dropLabel->setFrameShape(QFrame::StyledPanel);
  m_dropLabel->setFrameShadow(QFrame::Sunken);
  m_chooseButton = new QPushButton(tr("Choose Images…"), this);
  m_chooseButton->setObjectName(QStringLiteral("tryChooseButton"));
  m_batchButton = new QPushButton(this);
  m_batchButton->setObjectName(QStringLiteral("tryBatchButton"));
  m_messageLabel = new QLabel(this);
  m_messageLabel->setObjectName(QStringLiteral("tryMessageLabel"));
  m_messageLabel->setWordWrap(true);
  m_results = new QTableWidget(0, 2, this);
  m_results->setObjectName(QStringLiteral("tryResultsTable"));
  m_results->setHorizontalHeaderLabels({tr("Class"), tr("Probability")});
  m_results->verticalHeader()->hide();
  m_results->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_results->setSelectionMode(QAbstractItemView::NoSelection);
  m_results->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  m_results->horizontalHeader()->setStretchLastSection(true);

  auto* textPage = new QWidget(this);
  auto* textLayout = new QVBoxLayout(textPage);
  textLayout->setContentsMargins(0, 0, 0, 0);
  textLayout->addWidget(m_input);
  textLayout->addWidget(m_classifyButton, 0, Qt::AlignLeft);
  auto* imagePage = new QWidget(this);
  auto* imageLayout = new QVBoxLayout(imagePage);
  imageLayout->setContentsMargins(0, 0, 0, 0);
  imageLayout->addWidget(m_dropLabel);
  imageLayout->addWidget(m_chooseButton, 0, Qt::AlignLeft);
  m_inputStack = new QStackedWidget(this);
  m_inputStack->addWidget(textPage);
  m_inputStack->addWidget(imagePage);
  m_inputStack->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_modelLabel);
  layout->addWidget(m_inputStack);
  layout->addWidget(m_batchButton, 0, Qt::AlignLeft);
  layout->addWidget(m_messageLabel);
  layout->addWidget(m_results, 1);

  connect(m_classifyButton, &QPushButton::clicked, this, &TryPanel::classify);
  connect(m_chooseButton, &QPushButton::clicked, this, &TryPanel::chooseImages);
  connect(m_batchButton, &QPushButton::clicked, this, &TryPanel::chooseBatch);
  setAcceptDrops(true);
  for (const QKeySequence& keys :
       {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)})
    connect(new QShortcut(keys, this), &QShortcut::activated, this, &TryPanel::classify);
  connect(m_input, &QPlainTextEdit::textChanged, this, &TryPanel::updateButton);
  setTask(TaskKind::TextClassification);
  setRun({}, {});
}

TryPanel::~TryPanel() = default;  // m_job waits for a prediction under way

void TryPanel::setRun(const QString& runDirectory, const QString& description) {
  m_runDirectory = runDirectory;
  m_modelLabel->setText(
      runDirectory.isEmpty()
          ? (m_task == TaskKind::ImageClassification
                 ? tr("Train a model first: then drop images here to see how it classifies them.")
                 : tr("Train a model first: then type a text here to see how it classifies it."))
          : tr("Answers come from the model of %1.").arg(description));
  updateButton();
}

void TryPanel::setText(const QString& text) {
  m_input->setPlainText(text);
}

void TryPanel::updateButton() {
  m_classifyButton->setEnabled(!m_runDirectory.isEmpty() && !isBusy() &&
                               !m_input->toPlainText().trimmed().isEmpty());
  m_chooseButton->setEnabled(!m_runDirectory.isEmpty() && !isBusy());
  m_batchButton->setEnabled(!m_runDirectory.isEmpty() && !isBusy());
}

QString TryPanel::message() const {
  return m_messageLabel->text();
}

void TryPanel::setTask(TaskKind task) {
  m_task = task;
  m_inputStack->setCurrentIndex(task == TaskKind::ImageClassification ? 1 : 0);
  const bool images = task == TaskKind::ImageClassification;
  m_batchButton->setText(images ? tr("Predict a Folder into a CSV…") : tr("Predict a Table into a CSV…"));
  m_batchButton->setToolTip(
      images ? tr("Classify every image in a folder (and its sub-folders) and save the answers as a "
                  "spreadsheet (CSV): each image's most likely class and every class's probability.")
             : tr("Classify every text of a table (CSV, TSV, JSON Lines) and save the answers as a "
                  "spreadsheet (CSV): each text's most likely class and every class's probability."));
  m_results->setRowCount(0);
  m_shown.clear();
  m_shownImages.clear();
  m_shownRows.clear();
  m_messageLabel->clear();
  setRun(m_runDirectory, {});
}

void TryPanel::classify() {
  const QString text = m_input->toPlainText();
  if (m_task != TaskKind::TextClassification || text.trimmed().isEmpty()) return;
  start({text}, false);
}

void TryPanel::classifyImages(const QStringList& paths) {
  if (m_task != TaskKind::ImageClassification || paths.isEmpty()) return;
  start(paths, true);
}

void TryPanel::predictIntoCsv(const QStringList& inputs, const QString& csvPath) {
  if (inputs.isEmpty() || csvPath.isEmpty()) return;
  start(inputs, m_task == TaskKind::ImageClassification, csvPath);
}

void TryPanel::chooseBatch() {
  const bool images = m_task == TaskKind::ImageClassification;
  const QString input =
      images ? FileDialogHook::existingDirectory(this, tr("Predict the Images of a Folder"), QString())
             : FileDialogHook::openFileName(this, tr("Predict the Texts of a Table"), QString(),
                                            tr("Tables of texts (*.csv *.tsv *.txt *.jsonl *.json)"));
  if (input.isEmpty()) return;
  const QString csv = FileDialogHook::saveFileName(
      this, tr("Save the Predictions As"),
      QFileInfo(input).absolutePath() + QStringLiteral("/predictions.csv"), tr("Spreadsheet (*.csv)"));
  if (csv.isEmpty()) return;
  predictIntoCsv(
      {input}, csv.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive) ? csv : csv + QStringLiteral(".csv"));
}

void TryPanel::start(QStringList inputs, bool images, const QString& csvPath) {
  if (m_runDirectory.isEmpty() || isBusy()) return;
  auto predictor = m_predictorRun == m_runDirectory ? m_predictor : nullptr;
  const QString runDirectory = m_runDirectory;
  m_messageLabel->setStyleSheet(QString());
  m_messageLabel->setText(predictor ? tr("Classifying…") : tr("Loading the model…"));
  // Its own thread, not the global pool that the prediction's own parallel steps use (BackgroundJob.h).
  m_job.start(
      QString(),
      [predictor, runDirectory, inputs = std::move(inputs), images, csvPath,
       textColumn = m_textColumn]() mutable -> Result<std::shared_ptr<Answer>> {
        auto answer = std::make_shared<Answer>();
        answer->runDirectory = runDirectory;
        answer->images = images;
        answer->inputs = inputs;
        answer->csvPath = csvPath;
        if (!predictor) {
          auto opened = Predictor::openRun(runDirectory);
          if (!opened) {
            answer->error = opened.error().text();
            return answer;
          }
          predictor = std::shared_ptr<Predictor>(std::move(*opened));
        }
        answer->predictor = predictor;
        if (images != (predictor->task() == TaskKind::ImageClassification)) {
          answer->error = images ? tr("This model classifies texts, not images.")
                                 : tr("This model classifies images, not texts.");
          return answer;
        }
        if (!csvPath.isEmpty()) {
          auto batch = attune::predictIntoCsv(*predictor, inputs, textColumn, csvPath);
          if (batch)
            answer->batch = *batch;
          else
            answer->error = batch.error().text();
          return answer;
        }
        auto rows =
            images ? predictor->predictImages(inputs, &answer->failures) : predictor->predictTexts(inputs);
        if (!rows) {
          answer->error = rows.error().text();
          return answer;
        }
        answer->probabilities = std::move(*rows);
        // Thumbnails are decoded here too, off the window's thread.
        if (images)
          for (const QString& path : answer->inputs) {
            ImageFile file(path);
            QImageReader& reader = file.reader();
            reader.setScaledSize(reader.size().scaled(kThumbnail_px, kThumbnail_px, Qt::KeepAspectRatio));
            answer->thumbnails.push_back(reader.read());
          }
        return answer;
      },
      [this](Result<std::shared_ptr<Answer>> answer) {
        showAnswer(answer ? *answer : failedAnswer(answer.error()));
      });
  updateButton();
}

QStringList TryPanel::imageFilesOf(const QList<QUrl>& urls) {
  QStringList paths;
  for (const QUrl& url : urls)
    if (url.isLocalFile() && hasImageExtension(QFileInfo(url.toLocalFile()))) paths << url.toLocalFile();
  return paths;
}

void TryPanel::dragEnterEvent(QDragEnterEvent* event) {
  if (m_task == TaskKind::ImageClassification && event->mimeData()->hasUrls() &&
      !imageFilesOf(event->mimeData()->urls()).isEmpty())
    event->acceptProposedAction();
}

void TryPanel::dropEvent(QDropEvent* event) {
  const QStringList paths = imageFilesOf(event->mimeData()->urls());
  if (m_task != TaskKind::ImageClassification || paths.isEmpty()) return;
  event->acceptProposedAction();
  classifyImages(paths);
}

void TryPanel::chooseImages() {
  const QStringList paths = FileDialogHook::openFileNames(
      this, tr("Choose Images"), QString(), tr("Images (*.jpg *.jpeg *.png *.bmp *.webp *.gif)"));
  classifyImages(paths);
}

std::shared_ptr<TryPanel::Answer> TryPanel::failedAnswer(const Error& error) {
  auto answer = std::make_shared<Answer>();
  answer->error = error.text();
  return answer;
}

void TryPanel::showAnswer(const std::shared_ptr<Answer>& answer) {
  if (answer->predictor) {
    m_predictor = answer->predictor;
    m_predictorRun = answer->runDirectory;
  }
  m_results->setRowCount(0);
  m_shown.clear();
  m_shownImages.clear();
  m_shownRows.clear();
  if (!answer->error.isEmpty()) {
    m_messageLabel->setText(answer->error);
    m_messageLabel->setStyleSheet(QStringLiteral("color: %1").arg(kErrorColor.name()));
  } else if (!answer->csvPath.isEmpty()) {
    m_messageLabel->setText(
        answer->batch.unreadable == 0
            ? tr("Wrote %n predictions to %1.", nullptr, answer->batch.predicted)
                  .arg(QDir::toNativeSeparators(answer->csvPath))
            : tr("Wrote %n predictions to %1; %2 images could not be read (their rows are empty).", nullptr,
                 answer->batch.predicted)
                  .arg(QDir::toNativeSeparators(answer->csvPath))
                  .arg(answer->batch.unreadable));
  } else {
    m_classes = m_predictor->classes();
    if (answer->images)
      showImageAnswer(*answer);
    else
      showTextAnswer(*answer);
  }
  updateButton();
  emit answered();
}

void TryPanel::showTextAnswer(const Answer& answer) {
  m_shown = answer.probabilities.front();
  const std::vector<int> order = byProbability(m_shown);
  m_messageLabel->setText(tr("Most likely: %1").arg(m_classes.value(order.front())));
  m_results->setColumnCount(2);
  m_results->setHorizontalHeaderLabels({tr("Class"), tr("Probability")});
  m_results->setRowCount(int(order.size()));
  for (int row = 0; row < int(order.size()); ++row) {
    m_results->setItem(row, 0, new QTableWidgetItem(m_classes.value(order[size_t(row)])));
    m_results->setCellWidget(row, 1, probabilityBar(m_shown[size_t(order[size_t(row)])], m_results));
  }
}

void TryPanel::showImageAnswer(const Answer& answer) {
  m_shownImages = answer.inputs;
  m_shownRows = answer.probabilities;
  m_results->setColumnCount(4);
  m_results->setHorizontalHeaderLabels({tr("Image"), tr("Most likely"), tr("Probability"), tr("Next")});
  m_results->setRowCount(int(m_shownImages.size()));
  m_results->setIconSize(QSize(kThumbnail_px, kThumbnail_px));
  int unreadable = 0;
  for (int row = 0; row < int(m_shownImages.size()); ++row) {
    const QString& path = m_shownImages[row];
    auto* name = new QTableWidgetItem(QFileInfo(path).fileName());
    name->setToolTip(path);
    if (const QImage& thumbnail = answer.thumbnails[size_t(row)]; !thumbnail.isNull())
      name->setIcon(QPixmap::fromImage(thumbnail));
    m_results->setItem(row, 0, name);
    const std::vector<double>& p = m_shownRows[size_t(row)];
    if (p.empty()) {
      ++unreadable;
      m_results->setItem(row, 1,
                         new QTableWidgetItem(tr("cannot be read: %1").arg(answer.failures.value(row))));
      continue;
    }
    const std::vector<int> order = byProbability(p);
    m_results->setItem(row, 1, new QTableWidgetItem(m_classes.value(order.front())));
    m_results->setCellWidget(row, 2, probabilityBar(p[size_t(order.front())], m_results));
    QStringList next;
    for (size_t k = 1; k < order.size() && k <= size_t(kRunnersUp); ++k)
      next << QStringLiteral("%1 %2").arg(m_classes.value(order[k]), percent(p[size_t(order[k])]));
    m_results->setItem(row, 3, new QTableWidgetItem(next.join(QStringLiteral(", "))));
    m_results->setRowHeight(row, kThumbnail_px + 4);
  }
  m_messageLabel->setText(unreadable == 0 ? tr("%1 images classified.").arg(m_shownImages.size())
                                          : tr("%1 images classified; %2 could not be read.")
                                                .arg(m_shownImages.size() - unreadable)
                                                .arg(unreadable));
}

}  // namespace attune::ui
