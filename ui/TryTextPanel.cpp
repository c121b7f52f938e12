#include "ui/TryTextPanel.h"

#include "core/eval/Predictor.h"

#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QShortcut>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <numeric>

namespace attune::ui {
namespace {

const QColor kErrorColor(0xc0, 0x1c, 0x28);
constexpr int kBarSteps = 1000;
constexpr int kInputHeight_px = 180;

}  // namespace

// What a worker hands back: the model (loaded now or before) and its answer, or why there is none.
struct TryTextPanel::Answer {
  std::shared_ptr<Predictor> predictor;
  QString runDirectory;
  std::vector<double> probabilities;
  QString error;
};

TryTextPanel::TryTextPanel(QWidget* parent) : QWidget(parent) {
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

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_modelLabel);
  layout->addWidget(m_input);
  layout->addWidget(m_classifyButton, 0, Qt::AlignLeft);
  layout->addWidget(m_messageLabel);
  layout->addWidget(m_results, 1);

  connect(m_classifyButton, &QPushButton::clicked, this, &TryTextPanel::classify);
  for (const QKeySequence& keys :
       {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)})
    connect(new QShortcut(keys, this), &QShortcut::activated, this, &TryTextPanel::classify);
  connect(m_input, &QPlainTextEdit::textChanged, this, &TryTextPanel::updateButton);
  connect(&m_watcher, &QFutureWatcher<std::shared_ptr<Answer>>::finished, this, &TryTextPanel::showAnswer);
  setRun({}, {});
}

TryTextPanel::~TryTextPanel() {
  m_watcher.waitForFinished();
}

void TryTextPanel::setRun(const QString& runDirectory, const QString& description) {
  m_runDirectory = runDirectory;
  m_modelLabel->setText(runDirectory.isEmpty()
                            ? tr("Train a model first: then type a text here to see how it classifies it.")
                            : tr("Answers come from the model of %1.").arg(description));
  updateButton();
}

void TryTextPanel::setText(const QString& text) {
  m_input->setPlainText(text);
}

void TryTextPanel::updateButton() {
  m_classifyButton->setEnabled(!m_runDirectory.isEmpty() && !isBusy() &&
                               !m_input->toPlainText().trimmed().isEmpty());
}

void TryTextPanel::classify() {
  const QString text = m_input->toPlainText();
  if (m_runDirectory.isEmpty() || isBusy() || text.trimmed().isEmpty()) return;
  auto predictor = m_predictorRun == m_runDirectory ? m_predictor : nullptr;
  const QString runDirectory = m_runDirectory;
  m_messageLabel->setStyleSheet(QString());
  m_messageLabel->setText(predictor ? tr("Classifying…") : tr("Loading the model…"));
  m_watcher.setFuture(QtConcurrent::run([predictor, runDirectory, text]() mutable {
    auto answer = std::make_shared<Answer>();
    answer->runDirectory = runDirectory;
    if (!predictor) {
      auto opened = Predictor::openRun(runDirectory);
      if (!opened) {
        answer->error = opened.error().text();
        return answer;
      }
      predictor = std::shared_ptr<Predictor>(std::move(*opened));
    }
    answer->predictor = predictor;
    auto rows = predictor->predictTexts({text});
    if (!rows)
      answer->error = rows.error().text();
    else
      answer->probabilities = rows->front();
    return answer;
  }));
  updateButton();
}

void TryTextPanel::showAnswer() {
  const std::shared_ptr<Answer> answer = m_watcher.result();
  if (answer->predictor) {
    m_predictor = answer->predictor;
    m_predictorRun = answer->runDirectory;
  }
  m_results->setRowCount(0);
  m_shown.clear();
  if (!answer->error.isEmpty()) {
    m_messageLabel->setText(answer->error);
    m_messageLabel->setStyleSheet(QStringLiteral("color: %1").arg(kErrorColor.name()));
  } else {
    m_classes = m_predictor->classes();
    m_shown = answer->probabilities;
    std::vector<int> order(m_shown.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return m_shown[size_t(a)] > m_shown[size_t(b)]; });
    m_messageLabel->setText(tr("Most likely: %1").arg(m_classes.value(order.front())));
    m_results->setRowCount(int(order.size()));
    for (int row = 0; row < int(order.size()); ++row) {
      const double p = m_shown[size_t(order[size_t(row)])];
      m_results->setItem(row, 0, new QTableWidgetItem(m_classes.value(order[size_t(row)])));
      auto* bar = new QProgressBar(m_results);
      bar->setRange(0, kBarSteps);
      bar->setValue(int(p * kBarSteps + 0.5));
      bar->setFormat(QStringLiteral("%1 %").arg(p * 100.0, 0, 'f', 1));
      m_results->setCellWidget(row, 1, bar);
    }
  }
  updateButton();
  emit answered();
}

}  // namespace attune::ui
