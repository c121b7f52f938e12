#include "ui/WelcomePage.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QGridLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace attune::ui {
namespace {

constexpr int kColumnWidth_px = 420;

QLabel* sentence(const QString& text, QWidget* parent) {
  auto* label = new QLabel(text, parent);
  label->setWordWrap(true);
  label->setForegroundRole(QPalette::PlaceholderText);
  return label;
}

}  // namespace

WelcomePage::WelcomePage(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("welcomePage"));
  auto* title = new QLabel(tr("Welcome to Attune"), this);
  QFont big = title->font();
  big.setPointSizeF(big.pointSizeF() * 1.8);
  big.setBold(true);
  title->setFont(big);
  auto* lead = new QLabel(
      tr("Teach a model that already knows millions of pictures or texts to tell your own classes apart."),
      this);
  lead->setWordWrap(true);

  auto* start = new QGridLayout;
  start->setColumnStretch(1, 1);
  start->setHorizontalSpacing(16);
  start->setVerticalSpacing(12);
  int row = 0;
  auto addChoice = [&](const QString& name, const QString& text, const QString& explanation) {
    auto* button = new QPushButton(text, this);
    button->setObjectName(name);
    button->setMinimumWidth(190);
    QLabel* label = sentence(explanation, this);
    start->addWidget(button, row, 0, Qt::AlignTop);
    start->addWidget(label, row, 1, Qt::AlignTop);
    ++row;
    return std::pair{button, label};
  };
  std::tie(m_demoButton, m_demoText) =
      addChoice(QStringLiteral("welcomeOpenDemo"), tr("Open the Demo"),
                tr("Photos of clothes in four classes, labelled and ready to train."));
  auto* image = addChoice(QStringLiteral("welcomeNewImage"), tr("New Image Project…"),
                          tr("For a folder of pictures with one sub-folder per class (cats/, dogs/, …)."))
                    .first;
  auto* text = addChoice(QStringLiteral("welcomeNewText"), tr("New Text Project…"),
                         tr("For a spreadsheet (CSV, TSV or JSON Lines) of texts and their labels."))
                   .first;
  auto* open = addChoice(QStringLiteral("welcomeOpen"), tr("Open a Project…"),
                         tr("An .attune file that you or a colleague made."))
                   .first;
  connect(m_demoButton, &QPushButton::clicked, this, [this] { emit openDemoRequested(m_demoPath); });
  connect(image, &QPushButton::clicked, this, &WelcomePage::newImageProjectRequested);
  connect(text, &QPushButton::clicked, this, &WelcomePage::newTextProjectRequested);
  connect(open, &QPushButton::clicked, this, &WelcomePage::openProjectRequested);

  auto* recentTitle = new QLabel(tr("Recent projects"), this);
  QFont bold = recentTitle->font();
  bold.setBold(true);
  recentTitle->setFont(bold);
  m_recent = new QListWidget(this);
  m_recent->setObjectName(QStringLiteral("welcomeRecent"));
  m_recent->setMinimumWidth(kColumnWidth_px / 2);
  m_recent->setSpacing(3);
  m_noRecent = sentence(tr("Projects you open or make appear here."), this);
  connect(m_recent, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
    if (item->flags() & Qt::ItemIsEnabled) emit openRecentRequested(item->data(Qt::UserRole).toString());
  });

  auto* startColumn = new QVBoxLayout;
  auto* startTitle = new QLabel(tr("Start"), this);
  startTitle->setFont(bold);
  startColumn->addWidget(startTitle);
  startColumn->addLayout(start);
  startColumn->addStretch(1);
  auto* recentColumn = new QVBoxLayout;
  recentColumn->addWidget(recentTitle);
  recentColumn->addWidget(m_noRecent, 0, Qt::AlignTop);
  recentColumn->addWidget(m_recent, 1);
  recentColumn->addStretch(0);
  auto* columns = new QHBoxLayout;
  columns->setAlignment(Qt::AlignTop);
  columns->addLayout(startColumn, 1);
  columns->addSpacing(32);
  columns->addLayout(recentColumn, 1);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(40, 32, 40, 32);
  layout->addWidget(title);
  layout->addWidget(lead);
  layout->addSpacing(24);
  layout->addLayout(columns, 1);
  setRecentProjects({});
  setDemoProject(findDemoProject());
}

void WelcomePage::setRecentProjects(const QStringList& paths) {
  m_recent->clear();
  for (const QString& path : paths) {
    const QFileInfo info(path);
    const QString shown = QDir::toNativeSeparators(path);
    auto* item = new QListWidgetItem(m_recent);
    item->setData(Qt::UserRole, path);
    if (info.isFile()) {
      item->setText(QStringLiteral("%1\n%2").arg(info.completeBaseName(), shown));
      item->setToolTip(tr("Open %1").arg(shown));
    } else {
      // Moved, deleted, or on a drive that is not attached: shown, but cannot be opened.
      item->setText(tr("%1 (missing)\n%2").arg(info.completeBaseName(), shown));
      item->setToolTip(
          tr("%1 is not there any more: moved, deleted, or on a drive that is not attached.").arg(shown));
      item->setFlags(item->flags() & ~Qt::ItemIsEnabled);
    }
  }
  m_noRecent->setVisible(paths.isEmpty());
  m_recent->setVisible(!paths.isEmpty());
}

void WelcomePage::setDemoProject(const QString& path) {
  m_demoPath = path;
  m_demoButton->setEnabled(!path.isEmpty());
  if (path.isEmpty())
    m_demoText->setText(
        tr("No demo on this computer: installer/setup.sh --demo makes one from Attune's "
           "source folder."));
  else
    m_demoText->setToolTip(QDir::toNativeSeparators(path));
}

QString WelcomePage::findDemoProject() {
  QStringList candidates;
  if (const QString chosen = qEnvironmentVariable("ATTUNE_DEMO"); !chosen.isEmpty()) candidates << chosen;
  // build/app/attune in a source tree: the tree's demo/ folder.
  const QDir program(QCoreApplication::applicationDirPath());
  candidates << program.absoluteFilePath(QStringLiteral("../../demo/fashion/fashion.attune"))
             << QStringLiteral("/usr/share/attune/demo/fashion/fashion.attune");
  for (const QString& candidate : candidates)
    if (QFileInfo(candidate).isFile()) return QDir::cleanPath(QFileInfo(candidate).absoluteFilePath());
  return {};
}

}  // namespace attune::ui
