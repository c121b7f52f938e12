#include "ui/DataHealthView.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace attune::ui {
namespace {

// Where the ignored findings of a project are remembered.
QString settingsKey(const QString& projectPath) {
  return QStringLiteral("dataHealth/ignored/") +
         QString::fromLatin1(projectPath.toUtf8().toBase64(QByteArray::Base64UrlEncoding));
}

bool isWarning(HealthKind kind) {
  return kind == HealthKind::DuplicateAcrossClasses || kind == HealthKind::DuplicateAcrossSplit ||
         kind == HealthKind::Unreadable;
}

}  // namespace

DataHealthView::DataHealthView(QWidget* parent) : QWidget(parent) {
  m_checkButton = new QPushButton(tr("Check Data"), this);
  m_checkButton->setObjectName(QStringLiteral("checkDataButton"));
  m_checkButton->setToolTip(
      tr("Look for copies, small or unbalanced classes, unreadable files and tiny "
         "examples before training."));
  m_summary = new QLabel(this);
  m_summary->setObjectName(QStringLiteral("healthSummary"));
  m_summary->setWordWrap(true);
  m_list = new QTreeWidget(this);
  m_list->setObjectName(QStringLiteral("healthList"));
  m_list->setHeaderHidden(true);
  m_list->setRootIsDecorated(false);
  m_list->setWordWrap(true);
  m_advice = new QLabel(this);
  m_advice->setObjectName(QStringLiteral("healthAdvice"));
  m_advice->setWordWrap(true);
  m_fixButton = new QPushButton(tr("Fix"), this);
  m_fixButton->setObjectName(QStringLiteral("healthFixButton"));
  m_showButton = new QPushButton(tr("Show Me"), this);
  m_showButton->setObjectName(QStringLiteral("healthShowButton"));
  m_ignoreButton = new QPushButton(tr("Ignore"), this);
  m_ignoreButton->setObjectName(QStringLiteral("healthIgnoreButton"));
  m_ignoreButton->setToolTip(tr("Hide this finding for this project (until its items change)."));

  auto* top = new QHBoxLayout;
  top->addWidget(m_summary, 1);
  top->addWidget(m_checkButton);
  auto* buttons = new QHBoxLayout;
  buttons->addStretch(1);
  buttons->addWidget(m_fixButton);
  buttons->addWidget(m_showButton);
  buttons->addWidget(m_ignoreButton);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(m_list, 1);
  layout->addWidget(m_advice);
  layout->addLayout(buttons);

  connect(m_checkButton, &QPushButton::clicked, this, &DataHealthView::checkRequested);
  connect(m_fixButton, &QPushButton::clicked, this, &DataHealthView::fixSelected);
  connect(m_showButton, &QPushButton::clicked, this, &DataHealthView::showSelected);
  connect(m_ignoreButton, &QPushButton::clicked, this, &DataHealthView::ignoreSelected);
  connect(m_list, &QTreeWidget::currentItemChanged, this, &DataHealthView::updateButtons);
  clear();
}

void DataHealthView::clear(const QString& message) {
  m_findings.clear();
  m_checked = false;
  m_list->clear();
  m_summary->setText(message.isEmpty() ? tr("Check the data before training: copies, small or unbalanced "
                                            "classes, unreadable files, tiny examples.")
                                       : message);
  updateButtons();
}

void DataHealthView::setChecking(bool checking) {
  m_checkButton->setEnabled(!checking);
  if (checking) m_summary->setText(tr("Checking the data…"));
}

QStringList DataHealthView::ignoredIds() const {
  return QSettings().value(settingsKey(m_projectPath)).toStringList();
}

void DataHealthView::setFindings(std::vector<HealthFinding> findings, const QString& projectPath) {
  m_projectPath = projectPath;
  m_checked = true;
  const QStringList ignored = ignoredIds();
  m_findings.clear();
  int hidden = 0;
  for (HealthFinding& finding : findings) {
    if (ignored.contains(finding.id))
      ++hidden;
    else
      m_findings.push_back(std::move(finding));
  }
  m_list->clear();
  for (const HealthFinding& finding : m_findings) {
    auto* item = new QTreeWidgetItem(m_list, {finding.title});
    item->setIcon(0, style()->standardIcon(isWarning(finding.kind) ? QStyle::SP_MessageBoxWarning
                                                                   : QStyle::SP_MessageBoxInformation));
    item->setToolTip(0, finding.advice);
  }
  QString summary = m_findings.empty() ? tr("Nothing to worry about in the data.")
                    : m_findings.size() == 1
                        ? tr("One finding.")
                        : tr("%1 findings, the most serious first.").arg(m_findings.size());
  if (hidden > 0) summary += QLatin1Char(' ') + tr("(%1 ignored.)").arg(hidden);
  m_summary->setText(summary);
  if (!m_findings.empty()) m_list->setCurrentItem(m_list->topLevelItem(0));
  updateButtons();
}

const HealthFinding* DataHealthView::selected() const {
  const int row = m_list->currentItem() ? m_list->indexOfTopLevelItem(m_list->currentItem()) : -1;
  return row >= 0 && size_t(row) < m_findings.size() ? &m_findings[size_t(row)] : nullptr;
}

void DataHealthView::updateButtons() {
  const HealthFinding* finding = selected();
  m_advice->setText(finding ? finding->advice : QString());
  m_fixButton->setVisible(finding && finding->fix != HealthFix::None);
  m_fixButton->setText(finding && !finding->fixLabel.isEmpty() ? finding->fixLabel : tr("Fix"));
  m_showButton->setEnabled(finding && !finding->keys.isEmpty());
  m_ignoreButton->setEnabled(finding != nullptr);
}

void DataHealthView::fixSelected() {
  if (const HealthFinding* finding = selected(); finding && finding->fix != HealthFix::None)
    emit fixRequested(*finding);
}

void DataHealthView::showSelected() {
  if (const HealthFinding* finding = selected(); finding && !finding->keys.isEmpty())
    emit showRequested(finding->keys, finding->title);
}

void DataHealthView::ignoreSelected() {
  const HealthFinding* finding = selected();
  if (!finding) return;
  QStringList ignored = ignoredIds();
  ignored << finding->id;
  QSettings().setValue(settingsKey(m_projectPath), ignored);
  std::vector<HealthFinding> rest = m_findings;
  setFindings(std::move(rest), m_projectPath);
}

}  // namespace attune::ui
