// The training settings panel: every setting survives the form, presets, the layer group table, the
// rate preview, tooltips on every control, and the LR finder dialog with a made-up curve.

#include "core/models/Architecture.h"
#include "core/models/TextModelConfig.h"
#include "core/project/ProjectFile.h"
#include "core/project/SettingTable.h"
#include "core/training/LayerGroupPlan.h"
#include "core/training/LrFinder.h"
#include "tests/project/ConfigCompare.h"
#include "ui/LayerGroupTableModel.h"
#include "ui/LrFinderDialog.h"
#include "ui/MainWindow.h"
#include "ui/MessageBoxHook.h"
#include "ui/RatePreviewPlot.h"
#include "ui/TrainingSettingsPanel.h"

#include <qcustomplot.h>

#include <QAbstractItemModelTester>
#include <QAbstractItemView>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <cmath>

using namespace attune;
using namespace attune::ui;

namespace {

template <typename T>
T* child(QObject& parent, const char* name) {
  auto* found = parent.findChild<T*>(QString::fromLatin1(name));
  if (!found) qFatal("no child %s", name);
  return found;
}

int rowOf(const LayerGroupTableModel& model, const QString& group) {
  for (int row = 0; row < model.rowCount(); ++row)
    if (model.index(row, LayerGroupTableModel::NameColumn).data(Qt::EditRole).toString() == group) return row;
  return -1;
}

QStringList groupNames(const LayerGroupTableModel& model) {
  QStringList names;
  for (int row = 0; row < model.rowCount(); ++row)
    names << model.index(row, LayerGroupTableModel::NameColumn).data(Qt::EditRole).toString();
  return names;
}

QString trainsFrom(const LayerGroupTableModel& model, const QString& group) {
  return model.index(rowOf(model, group), LayerGroupTableModel::TrainsFromColumn).data().toString();
}

// One row per setting of core's table.
void settingRows() {
  QTest::addColumn<QString>("key");
  for (const SettingInfo& info : settingInfos()) QTest::newRow(qPrintable(info.key)) << info.key;
}

// The warm-up share is the one setting shown as a percentage.
double scaleOf(const QDoubleSpinBox& spin) {
  return spin.suffix() == QLatin1String(" %") ? 100.0 : 1.0;
}

// Changes the control as a user would, to a value other than the one shown; returns the setting's
// value that applyTo should then write.
QVariant editAsAUser(TrainingSettingsPanel& panel, const SettingInfo& info, QWidget* control) {
  if (auto* spin = qobject_cast<QDoubleSpinBox*>(control)) {
    const double target = spin->value() == spin->maximum() ? spin->minimum() : spin->maximum();
    spin->setValue(target);
    return target / scaleOf(*spin);
  }
  if (auto* spin = qobject_cast<QSpinBox*>(control)) {
    const int target = spin->value() == spin->maximum() ? spin->minimum() : spin->maximum();
    spin->setValue(target);
    if (info.type == SettingType::OptionalInteger && target == spin->minimum()) return QVariant();
    return target;
  }
  if (auto* check = qobject_cast<QCheckBox*>(control)) {
    check->setChecked(!check->isChecked());
    return check->isChecked();
  }
  if (auto* combo = qobject_cast<QComboBox*>(control)) {
    const int index = (combo->currentIndex() + 1) % combo->count();
    combo->setCurrentIndex(index);
    // The preset combo holds the Preset, in the order of the table's words.
    if (info.key == QLatin1String("preset")) return info.choices.at(size_t(index)).word;
    return combo->currentData().toString();
  }
  if (auto* edit = qobject_cast<QLineEdit*>(control)) {
    const QString text = info.type == SettingType::EpochList ? QStringLiteral("2, 7")
                         : info.key == QLatin1String("model.weights")
                             ? QDir::cleanPath(QDir::temp().filePath(QStringLiteral("w.safetensors")))
                             : QStringLiteral("block_1");
    edit->setText(text);
    edit->setModified(true);
    Q_EMIT edit->editingFinished();
    if (info.type == SettingType::EpochList) return QVariantList{2, 7};
    return text;
  }
  if (qobject_cast<QTableView*>(control)) {
    LayerGroupTableModel& model = *panel.layerGroupModel();
    model.setData(model.index(rowOf(model, QStringLiteral("stage 4")), LayerGroupTableModel::RateColumn),
                  2e-4);
    return QVariantMap{{QStringLiteral("stage 4"), 2e-4}};
  }
  qFatal("no way to edit %s", qPrintable(info.key));
}

}  // namespace

class TestTrainingSettings : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void everyFieldSurvivesTheForm();
  void presetThroughComboMatchesApplyPreset_data();
  void presetThroughComboMatchesApplyPreset();
  void groupTableHasOneRowPerGroup_data();
  void groupTableHasOneRowPerGroup();
  void groupTableFollowsTheWordEncoder();
  void groupTableFollowsTheModelFolder();
  void editingARateCellSetsGroupLrs();
  void frozenGroupsDoNotTrainFromTheStart();
  void gradualUnfreezingShowsTheEpochs();
  void previewHasOneGraphPerGroup_data();
  void previewHasOneGraphPerGroup();
  void previewStepsPerEpochFollowTheImageCount();
  void everyInputHasATooltip();
  void lrFinderDialogOffersTheSuggestion();
  void lrFinderDialogCancelStopsTheRunner();
  void findButtonAsksForTheFinder();
  void applyFoundRateKeepsTheRatios();
  void mainWindowGivesThePreviewTheTrainingImageCount();

  // Core's setting table drives the panel, entry by entry.
  void everySettingHasABoundControlWithItsHelpAndRange_data();
  void everySettingHasABoundControlWithItsHelpAndRange();
  void everySettingSetInThePanelComesBackFromApplyTo_data();
  void everySettingSetInThePanelComesBackFromApplyTo();
  void aSettingOnlyInTheTableAppearsInTheAdvancedTab();

 private:
  QTemporaryDir m_settingsDir;
};

void TestTrainingSettings::initTestCase() {
  QVERIFY(m_settingsDir.isValid());
  // Keep the recent-projects list out of the user's real settings.
  QCoreApplication::setOrganizationName(QStringLiteral("AttuneTest"));
  QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
}

void TestTrainingSettings::everyFieldSurvivesTheForm() {
  TrainingSettingsPanel panel;
  QSignalSpy edited(&panel, &TrainingSettingsPanel::configEdited);
  const TrainingConfig expected = test::nonDefaultConfig();
  panel.setConfig(expected);
  QCOMPARE(edited.count(), 0);  // showing a config is not an edit

  // Written onto defaults, so a control that does not write its field back is caught.
  TrainingConfig written;
  written.cutLayer = expected.cutLayer;        // not shown by the panel
  written.maxBadSteps = expected.maxBadSteps;  // not shown by the panel
  panel.applyTo(written);
  test::compareEveryField(written, expected);
  if (QTest::currentTestFailed()) return;
  test::compareEveryField(panel.currentConfig(), expected);
}

void TestTrainingSettings::presetThroughComboMatchesApplyPreset_data() {
  QTest::addColumn<int>("preset");
  QTest::newRow("quick") << int(Preset::Quick);
  QTest::newRow("balanced") << int(Preset::Balanced);
  QTest::newRow("thorough") << int(Preset::Thorough);
}

void TestTrainingSettings::presetThroughComboMatchesApplyPreset() {
  QFETCH(int, preset);
  TrainingConfig start = test::nonDefaultConfig();
  start.preset = Preset::Custom;
  TrainingConfig expected = start;
  applyPreset(expected, Preset(preset));

  TrainingSettingsPanel panel;
  panel.setConfig(start);
  QSignalSpy edited(&panel, &TrainingSettingsPanel::configEdited);
  auto* combo = child<QComboBox>(panel, "presetCombo");
  combo->setCurrentIndex(combo->findData(preset));
  QCOMPARE(edited.count(), 1);
  test::compareEveryField(panel.currentConfig(), expected);
  if (QTest::currentTestFailed()) return;
  QCOMPARE(child<QLabel>(panel, "presetDescription")->text(), presetDescription(Preset(preset)));

  // A manual edit afterwards makes the settings the user's own.
  auto* epochs = child<QSpinBox>(panel, "epochsSpin");
  epochs->setValue(epochs->value() + 1);
  QCOMPARE(combo->currentData().toInt(), int(Preset::Custom));
  QCOMPARE(int(panel.currentConfig().preset), int(Preset::Custom));
  QCOMPARE(panel.currentConfig().epochs, expected.epochs + 1);
  QCOMPARE(child<QLabel>(panel, "presetDescription")->text(), presetDescription(Preset::Custom));
  QCOMPARE(edited.count(), 2);
}

void TestTrainingSettings::groupTableHasOneRowPerGroup_data() {
  QTest::addColumn<QString>("architecture");
  QTest::addColumn<QStringList>("groups");
  QTest::newRow("resnet18") << QStringLiteral("resnet18")
                            << QStringList{QStringLiteral("stem"),    QStringLiteral("stage 1"),
                                           QStringLiteral("stage 2"), QStringLiteral("stage 3"),
                                           QStringLiteral("stage 4"), QStringLiteral("head")};
  TrainingConfig vit;
  vit.architecture = QStringLiteral("vit_b_16");
  QStringList vitGroups;
  for (const LayerGroupSpec& spec : layerGroupsFor(modelChoiceOf(vit))) vitGroups << spec.name;
  QTest::newRow("vit_b_16") << QStringLiteral("vit_b_16") << vitGroups;
}

void TestTrainingSettings::groupTableHasOneRowPerGroup() {
  QFETCH(QString, architecture);
  QFETCH(QStringList, groups);
  QVERIFY(groups.size() >= 2);
  TrainingSettingsPanel panel;
  QAbstractItemModelTester tester(panel.layerGroupModel());
  auto* combo = child<QComboBox>(panel, "architectureCombo");
  combo->setCurrentIndex(combo->findData(architecture));
  QCOMPARE(panel.currentConfig().architecture, architecture);
  const LayerGroupTableModel& model = *panel.layerGroupModel();
  QCOMPARE(model.rowCount(), groups.size());
  QCOMPARE(model.columnCount(), 3);
  for (int row = 0; row < groups.size(); ++row) {
    QCOMPARE(model.index(row, LayerGroupTableModel::NameColumn).data(Qt::EditRole).toString(), groups[row]);
    QCOMPARE(model.index(row, LayerGroupTableModel::TrainsFromColumn).data().toString(),
             QStringLiteral("start"));
  }
  // Defaults: the head at lrHead, the backbone at lrBackbone (layer decay 1).
  const TrainingConfig defaults;
  QCOMPARE(
      model.index(int(groups.size()) - 1, LayerGroupTableModel::RateColumn).data(Qt::EditRole).toDouble(),
      defaults.lrHead);
  QCOMPARE(model.index(0, LayerGroupTableModel::RateColumn).data(Qt::EditRole).toDouble(),
           defaults.lrBackbone);
}

// The table lists the groups of the model the run builds, not of the architecture alone: the word
// vectors' convolution (model.word_encoder=conv) is a group of its own, and a rate set for it is used.
void TestTrainingSettings::groupTableFollowsTheWordEncoder() {
  TrainingConfig config;
  config.architecture = QString::fromLatin1(kWordVectorArchitecture);
  config.wordEncoder = QStringLiteral("conv");
  config.groupLrs = {{QStringLiteral("encoder"), 3e-4}};
  TrainingSettingsPanel panel;
  QAbstractItemModelTester tester(panel.layerGroupModel());
  panel.setTask(TaskKind::TextClassification);
  panel.setConfig(config);
  const LayerGroupTableModel& model = *panel.layerGroupModel();
  QCOMPARE(groupNames(model),
           (QStringList{QStringLiteral("embeddings"), QStringLiteral("encoder"), QStringLiteral("head")}));
  const int encoder = rowOf(model, QStringLiteral("encoder"));
  QCOMPARE(model.index(encoder, LayerGroupTableModel::RateColumn).data(Qt::EditRole).toDouble(), 3e-4);
  auto* hint = child<QLabel>(panel, "layerGroupHint");
  QVERIFY2(!hint->text().contains(QStringLiteral("encoder")), qPrintable(hint->text()));
  QCOMPARE(panel.currentConfig().wordEncoder, QStringLiteral("conv"));

  // Without the convolution there is no such group, and the window says the rate is not used.
  config.wordEncoder = QStringLiteral("none");
  panel.setConfig(config);
  QCOMPARE(groupNames(model), (QStringList{QStringLiteral("embeddings"), QStringLiteral("head")}));
  QVERIFY2(hint->text().contains(QStringLiteral("encoder")), qPrintable(hint->text()));
}

// A BERT's groups follow its folder's config.json (one per layer); before a folder is chosen the
// table shows bert-base-uncased's, the catalog's BERT.
void TestTrainingSettings::groupTableFollowsTheModelFolder() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  TextModelConfig small = TextModelConfig::defaultsFor(TextModelKind::Bert);
  small.numHiddenLayers = 2;
  QFile file(dir.filePath(QStringLiteral("config.json")));
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write(QByteArray::fromStdString(small.toJson().dump()));
  file.close();

  TrainingConfig config;
  config.architecture = QString::fromLatin1(kBertArchitecture);
  TrainingSettingsPanel panel;
  QAbstractItemModelTester tester(panel.layerGroupModel());
  panel.setTask(TaskKind::TextClassification);
  panel.setConfig(config);
  const LayerGroupTableModel& model = *panel.layerGroupModel();
  QCOMPARE(model.rowCount(), 15);  // embeddings, 12 encoder layers, pooler, head

  auto* weights = child<QLineEdit>(panel, "weightsEdit");
  weights->setText(QDir::toNativeSeparators(dir.path()));
  Q_EMIT weights->editingFinished();
  QCOMPARE(groupNames(model), (QStringList{QStringLiteral("embeddings"), QStringLiteral("encoder layer 0"),
                                           QStringLiteral("encoder layer 1"), QStringLiteral("pooler"),
                                           QStringLiteral("head")}));
}

void TestTrainingSettings::editingARateCellSetsGroupLrs() {
  TrainingSettingsPanel panel;
  QAbstractItemModelTester tester(panel.layerGroupModel());
  QSignalSpy edited(&panel, &TrainingSettingsPanel::configEdited);
  LayerGroupTableModel& model = *panel.layerGroupModel();
  const int row = rowOf(model, QStringLiteral("stage 4"));
  QVERIFY(row >= 0);
  const QModelIndex cell = model.index(row, LayerGroupTableModel::RateColumn);
  QVERIFY(model.flags(cell) & Qt::ItemIsEditable);
  QVERIFY(!(model.flags(model.index(row, LayerGroupTableModel::NameColumn)) & Qt::ItemIsEditable));
  QVERIFY(!model.setData(cell, -1.0));  // a negative rate is refused
  QVERIFY(model.setData(cell, 2e-4));
  QCOMPARE(edited.count(), 1);
  const TrainingConfig config = panel.currentConfig();
  QCOMPARE(config.groupLrs.size(), size_t(1));
  QCOMPARE(config.groupLrs.at(QStringLiteral("stage 4")), 2e-4);
  QCOMPARE(model.index(row, LayerGroupTableModel::RateColumn).data(Qt::EditRole).toDouble(), 2e-4);
  QCOMPARE(int(config.preset), int(Preset::Custom));

  auto* reset = child<QPushButton>(panel, "resetRatesButton");
  QVERIFY(reset->isEnabled());
  reset->click();
  QVERIFY(panel.currentConfig().groupLrs.empty());
  QCOMPARE(model.index(row, LayerGroupTableModel::RateColumn).data(Qt::EditRole).toDouble(),
           TrainingConfig{}.lrBackbone);
  QCOMPARE(edited.count(), 2);
}

void TestTrainingSettings::frozenGroupsDoNotTrainFromTheStart() {
  TrainingSettingsPanel panel;
  QAbstractItemModelTester tester(panel.layerGroupModel());
  child<QSpinBox>(panel, "freezeGroupsSpin")->setValue(2);
  QCOMPARE(panel.currentConfig().freezeGroups, 2);
  const LayerGroupTableModel& model = *panel.layerGroupModel();
  QCOMPARE(trainsFrom(model, QStringLiteral("stem")), QStringLiteral("stays frozen"));
  QCOMPARE(trainsFrom(model, QStringLiteral("stage 1")), QStringLiteral("stays frozen"));
  for (const char* group : {"stage 2", "stage 3", "stage 4", "head"})
    QCOMPARE(trainsFrom(model, QString::fromLatin1(group)), QStringLiteral("start"));
  // Frozen rows are greyed; the others keep the view's colour.
  const QModelIndex stem = model.index(rowOf(model, QStringLiteral("stem")), 0);
  const QModelIndex head = model.index(rowOf(model, QStringLiteral("head")), 0);
  QVERIFY(stem.data(Qt::ForegroundRole).isValid());
  QVERIFY(!head.data(Qt::ForegroundRole).isValid());
}

void TestTrainingSettings::gradualUnfreezingShowsTheEpochs() {
  TrainingSettingsPanel panel;
  child<QSpinBox>(panel, "epochsSpin")->setValue(10);
  child<QCheckBox>(panel, "freezeCheck")->setChecked(true);
  child<QSpinBox>(panel, "unfreezeEverySpin")->setValue(2);
  // All five backbone groups frozen at epoch 1, one fewer from the top every 2 epochs: epochs 3, 5, 7,
  // 9; the fifth would be epoch 11, after the run.
  const LayerGroupTableModel& model = *panel.layerGroupModel();
  QCOMPARE(trainsFrom(model, QStringLiteral("head")), QStringLiteral("start"));
  QCOMPARE(trainsFrom(model, QStringLiteral("stage 4")), QStringLiteral("epoch 3"));
  QCOMPARE(trainsFrom(model, QStringLiteral("stage 3")), QStringLiteral("epoch 5"));
  QCOMPARE(trainsFrom(model, QStringLiteral("stage 2")), QStringLiteral("epoch 7"));
  QCOMPARE(trainsFrom(model, QStringLiteral("stage 1")), QStringLiteral("epoch 9"));
  QCOMPARE(trainsFrom(model, QStringLiteral("stem")), QStringLiteral("stays frozen"));
  // The pre-trained layers' rate matters again once they unfreeze.
  QVERIFY(child<QDoubleSpinBox>(panel, "lrBackboneSpin")->isEnabled());

  // Explicit epochs instead of a rhythm.
  child<QSpinBox>(panel, "unfreezeEverySpin")->setValue(0);
  auto* at = child<QLineEdit>(panel, "unfreezeAtEdit");
  at->setText(QStringLiteral("4,6"));
  at->setModified(true);
  Q_EMIT at->editingFinished();
  QVERIFY(panel.currentConfig().unfreezeAt == std::vector<int>({4, 6}));
  QCOMPARE(at->text(), QStringLiteral("4, 6"));
  QCOMPARE(trainsFrom(model, QStringLiteral("stage 4")), QStringLiteral("epoch 4"));
  QCOMPARE(trainsFrom(model, QStringLiteral("stage 3")), QStringLiteral("epoch 6"));
  QCOMPARE(trainsFrom(model, QStringLiteral("stage 2")), QStringLiteral("stays frozen"));
}

void TestTrainingSettings::previewHasOneGraphPerGroup_data() {
  // The factor of each schedule at step 0, from its documentation: constant 1; one-cycle starts at a
  // 25th of the rate.
  QTest::addColumn<int>("schedule");
  QTest::addColumn<double>("factorAtStart");
  QTest::newRow("constant") << int(ScheduleKind::Constant) << 1.0;
  QTest::newRow("one-cycle") << int(ScheduleKind::OneCycle) << 1.0 / 25.0;
}

void TestTrainingSettings::previewHasOneGraphPerGroup() {
  QFETCH(int, schedule);
  QFETCH(double, factorAtStart);
  TrainingConfig config;
  config.schedule = ScheduleKind(schedule);
  config.lrHead = 0.002;
  config.freezeGroups = 1;
  TrainingSettingsPanel panel;
  panel.setConfig(config);
  QCustomPlot* plot = panel.ratePreview()->plot();
  const LayerGroupTableModel& model = *panel.layerGroupModel();
  QCOMPARE(plot->graphCount(), model.rowCount());
  QCOMPARE(plot->graphCount(), 6);
  for (int g = 0; g < plot->graphCount(); ++g)
    QCOMPARE(plot->graph(g)->name(), model.index(g, 0).data(Qt::EditRole).toString());
  QCOMPARE(plot->yAxis->scaleType(), QCPAxis::stLogarithmic);
  QCPGraph* head = plot->graph(plot->graphCount() - 1);
  QVERIFY(head->dataCount() > 1);
  QCOMPARE(head->data()->at(0)->key, 0.0);
  QCOMPARE(head->data()->at(0)->value, config.lrHead * factorAtStart);
  // The stem stays frozen: no point of its line is drawn (a gap, not 0 on a log axis).
  QCPGraph* stem = plot->graph(0);
  QVERIFY(std::isnan(stem->data()->at(0)->value));
  // x in epochs: the last point lies within the run.
  QVERIFY(head->data()->at(head->dataCount() - 1)->key <= config.epochs);
  QVERIFY(head->data()->at(head->dataCount() - 1)->key > config.epochs - 1);
}

void TestTrainingSettings::previewStepsPerEpochFollowTheImageCount() {
  TrainingSettingsPanel panel;
  QCOMPARE(panel.previewStepsPerEpoch(), TrainingSettingsPanel::kUnknownStepsPerEpoch);
  child<QSpinBox>(panel, "batchSizeSpin")->setValue(32);
  panel.setTrainingImageCount(100);
  QCOMPARE(panel.previewStepsPerEpoch(), 4);  // ceil(100 / 32)
  panel.setTrainingImageCount(64);
  QCOMPARE(panel.previewStepsPerEpoch(), 2);
  panel.setTrainingImageCount(0);
  QCOMPARE(panel.previewStepsPerEpoch(), TrainingSettingsPanel::kUnknownStepsPerEpoch);
}

void TestTrainingSettings::everyInputHasATooltip() {
  TrainingSettingsPanel panel;
  panel.show();
  int checked = 0;
  for (QWidget* widget : panel.findChildren<QWidget*>()) {
    const bool input = qobject_cast<QAbstractSpinBox*>(widget) || qobject_cast<QComboBox*>(widget) ||
                       qobject_cast<QCheckBox*>(widget) || qobject_cast<QLineEdit*>(widget) ||
                       qobject_cast<QAbstractButton*>(widget);
    if (!input || !widget->isEnabled()) continue;
    // Parts of other controls: a spin box's or combo box's text field, the tab bar's scroll arrows,
    // the table's corner button.
    QWidget* parent = widget->parentWidget();
    if (qobject_cast<QAbstractSpinBox*>(parent) || qobject_cast<QComboBox*>(parent) ||
        qobject_cast<QTabBar*>(parent) || qobject_cast<QAbstractItemView*>(parent))
      continue;
    QVERIFY2(
        !widget->toolTip().trimmed().isEmpty(),
        qPrintable(QStringLiteral("%1 '%2' has no tooltip")
                       .arg(QString::fromLatin1(widget->metaObject()->className()), widget->objectName())));
    ++checked;
  }
  QVERIFY2(checked >= 35, qPrintable(QString::number(checked)));
}

void TestTrainingSettings::lrFinderDialogOffersTheSuggestion() {
  // A made-up range test: the loss falls from 2.3 towards 0.5 around 1e-3, then blows up past 0.1.
  constexpr int kSteps = 60;
  constexpr double kSuggested = 3.2e-3;
  int progressCalls = 0;
  LrFinderDialog dialog([&](const LrFinderProgress& progress, const std::atomic<bool>& stop) {
    LrFinderResult curve;
    for (int i = 0; i < kSteps && !stop; ++i) {
      const double lr = 1e-6 * std::pow(10.0, 6.0 * i / (kSteps - 1));
      const double x = std::log10(lr);
      const double loss = 0.5 + 1.8 / (1.0 + std::exp(3.0 * (x + 3.0))) + (x > -1.0 ? 10.0 * (x + 1.0) : 0.0);
      curve.lrs.push_back(lr);
      curve.losses.push_back(loss);
      curve.smoothedLosses.push_back(loss);
      ++progressCalls;
      progress(i + 1, kSteps, lr, loss);
    }
    curve.suggestedLr = kSuggested;
    curve.suggestedIndex = kSteps / 2;
    curve.reason = QStringLiteral("made up for the test");
    return Result<LrFinderResult>(std::move(curve));
  });
  QSignalSpy chosen(&dialog, &LrFinderDialog::rateChosen);
  dialog.show();
  dialog.start();
  auto* use = child<QPushButton>(dialog, "lrFinderUseButton");
  QTRY_VERIFY(use->isEnabled());
  QVERIFY(!dialog.isRunning());
  QCOMPARE(progressCalls, kSteps);
  QCOMPARE(use->text(), QStringLiteral("Use 3.2e-03"));
  QCOMPARE(child<QLabel>(dialog, "lrFinderReason")->text(), QStringLiteral("made up for the test"));
  QCOMPARE(child<QProgressBar>(dialog, "lrFinderProgress")->maximum(), 1);
  auto* plot = child<QCustomPlot>(dialog, "lrFinderPlot");
  QCOMPARE(plot->graphCount(), 2);  // loss and smoothed loss
  QCOMPARE(plot->graph(1)->dataCount(), kSteps);
  QCOMPARE(plot->xAxis->scaleType(), QCPAxis::stLogarithmic);
  QCOMPARE(plot->itemCount(), 1);  // the marker at the suggestion
  auto* marker = qobject_cast<QCPItemStraightLine*>(plot->item(0));
  QVERIFY(marker);
  QCOMPARE(marker->point1->coords().x(), kSuggested);
  QCOMPARE(marker->point2->coords().x(), kSuggested);

  use->click();
  QCOMPARE(chosen.count(), 1);
  QCOMPARE(chosen.at(0).at(0).toDouble(), kSuggested);
  QCOMPARE(dialog.result(), int(QDialog::Accepted));
}

void TestTrainingSettings::lrFinderDialogCancelStopsTheRunner() {
  std::atomic<bool> sawStop{false};
  LrFinderDialog dialog([&](const LrFinderProgress& progress, const std::atomic<bool>& stop) {
    for (int i = 0; !stop; ++i) {
      progress(i, 0, 1e-5, 1.0);
      QThread::msleep(5);
    }
    sawStop = true;
    return Result<LrFinderResult>(LrFinderResult{});
  });
  QSignalSpy chosen(&dialog, &LrFinderDialog::rateChosen);
  dialog.show();
  dialog.start();
  QVERIFY(dialog.isRunning());
  child<QPushButton>(dialog, "lrFinderCancelButton")->click();
  QTRY_VERIFY(sawStop.load());
  QTRY_VERIFY(!dialog.isRunning());
  QCOMPARE(dialog.result(), int(QDialog::Rejected));
  QVERIFY(!child<QPushButton>(dialog, "lrFinderUseButton")->isEnabled());
  QCOMPARE(chosen.count(), 0);
}

void TestTrainingSettings::findButtonAsksForTheFinder() {
  TrainingSettingsPanel panel;
  QSignalSpy requested(&panel, &TrainingSettingsPanel::findLearningRateRequested);
  QSignalSpy edited(&panel, &TrainingSettingsPanel::configEdited);
  child<QPushButton>(panel, "findLrButton")->click();
  QCOMPARE(requested.count(), 1);
  QCOMPARE(edited.count(), 0);
}

void TestTrainingSettings::applyFoundRateKeepsTheRatios() {
  TrainingConfig config;
  config.lrHead = 1e-3;
  config.lrBackbone = 1e-4;
  config.groupLrs = {{QStringLiteral("stem"), 2e-5}};
  TrainingSettingsPanel panel;
  panel.setConfig(config);
  QSignalSpy edited(&panel, &TrainingSettingsPanel::configEdited);
  panel.applyFoundRate(4e-3);
  QCOMPARE(edited.count(), 1);
  TrainingConfig expected = config;
  applySuggestedRate(expected, 4e-3);
  expected.preset = Preset::Custom;
  const TrainingConfig shown = panel.currentConfig();
  test::compareEveryField(shown, expected);
  if (QTest::currentTestFailed()) return;
  // The head's rate is the found one and the ratios hold (x4 for everyone).
  QCOMPARE(shown.lrHead, 4e-3);
  QCOMPARE(shown.lrBackbone / shown.lrHead, config.lrBackbone / config.lrHead);
  QCOMPARE(child<QDoubleSpinBox>(panel, "lrHeadSpin")->value(), 4e-3);
}

void TestTrainingSettings::mainWindowGivesThePreviewTheTrainingImageCount() {
  constexpr int kImagesPerClass = 30;
  constexpr int kImageSide_px = 32;
  const QStringList classes{QStringLiteral("bee"), QStringLiteral("beetle"), QStringLiteral("butterfly")};
  QTemporaryDir dir;
  const QString data = dir.filePath(QStringLiteral("insects"));
  for (qsizetype c = 0; c < classes.size(); ++c) {
    QVERIFY(QDir(data).mkpath(classes[c]));
    for (int i = 0; i < kImagesPerClass; ++i) {
      QImage image(kImageSide_px, kImageSide_px, QImage::Format_RGB32);
      image.fill(QColor::fromHsv(int(c) * 110, 150, 120 + 4 * i));
      QVERIFY(image.save(QStringLiteral("%1/%2/%3.png").arg(data, classes[c]).arg(i)));
    }
  }
  Project project;
  project.name = QStringLiteral("Insects");
  project.data.folder = data;
  project.data.valFraction = 0.2;
  project.config.batchSize = 8;
  applyPreset(project.config, Preset::Balanced);
  const QString path = dir.filePath(QStringLiteral("insects.attune"));
  QVERIFY(ProjectFile::save(project, path));

  QStringList messages;
  MessageBoxHook::setTestHandler([&](const MessageRequest& request) {
    messages << request.text;
    return QMessageBox::Ok;
  });
  MainWindow window;
  QVERIFY(window.openProject(path));
  MessageBoxHook::setTestHandler({});
  QVERIFY2(messages.isEmpty(), qPrintable(messages.join(QLatin1Char('\n'))));
  auto* panel = window.findChild<TrainingSettingsPanel*>();
  QVERIFY(panel);
  // 90 images, a fifth held out for validation: 72 training images in batches of 8.
  QCOMPARE(panel->previewStepsPerEpoch(), 9);

  auto* tabs = child<QTabWidget>(window, "settingsTabs");
  tabs->setCurrentIndex(1);
  QCOMPARE(tabs->tabText(1), QStringLiteral("Layers"));
  window.resize(1400, 1000);
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QVERIFY(panel->layerGroupModel()->rowCount() > 0);
  // The README's picture of the Layers tab: written only when asked for (ATTUNE_SCREENSHOT=<png>).
  const QString screenshot = qEnvironmentVariable("ATTUNE_SCREENSHOT");
  if (!screenshot.isEmpty()) {
    QTest::qWait(200);
    QVERIFY(window.grab().save(screenshot));
  }
}

void TestTrainingSettings::everySettingHasABoundControlWithItsHelpAndRange_data() {
  settingRows();
}

void TestTrainingSettings::everySettingHasABoundControlWithItsHelpAndRange() {
  QFETCH(QString, key);
  const SettingInfo& info = *findSetting(key);
  TrainingSettingsPanel panel;
  QWidget* control = panel.controlFor(key);
  QVERIFY(control);
  QVERIFY(panel.isAncestorOf(control));
  QCOMPARE(control->toolTip(), info.help);
  const SettingRange& range = info.range;
  if (auto* spin = qobject_cast<QDoubleSpinBox*>(control)) {
    const double scale = scaleOf(*spin);
    // An exclusive bound: the nearest value the spin box can show inside it.
    const double resolution = std::pow(10.0, -spin->decimals()) / scale;
    const double lowest = spin->minimum() / scale;
    const double highest = spin->maximum() / scale;
    if (range.minExclusive)
      QVERIFY2(lowest > range.min && lowest <= range.min + resolution * 1.001,
               qPrintable(QString::number(lowest)));
    else
      QVERIFY2(std::abs(lowest - range.min) < 1e-12, qPrintable(QString::number(lowest)));
    if (range.maxExclusive)
      QVERIFY2(highest < range.max && highest >= range.max - resolution * 1.001,
               qPrintable(QString::number(highest)));
    else
      QVERIFY2(std::abs(highest - range.max) < 1e-9, qPrintable(QString::number(highest)));
  } else if (auto* spin = qobject_cast<QSpinBox*>(control)) {
    // An optional integer's "unset" is the value just below the range, shown as its words.
    const bool optional = info.type == SettingType::OptionalInteger;
    QCOMPARE(spin->minimum(), int(range.min) - (optional ? 1 : 0));
    QCOMPARE(spin->maximum(), int(std::min(range.max, double(std::numeric_limits<int>::max()))));
    if (!info.lowestMeans.isEmpty()) QVERIFY(!spin->specialValueText().isEmpty());
  } else if (auto* combo = qobject_cast<QComboBox*>(control)) {
    if (info.type == SettingType::Choice) {
      QCOMPARE(size_t(combo->count()), info.choices.size());
      for (int i = 0; i < combo->count(); ++i) {
        QCOMPARE(combo->itemText(i), info.choices[size_t(i)].label);
        if (key != QLatin1String("preset"))
          QCOMPARE(combo->itemData(i).toString(), info.choices[size_t(i)].word);
      }
    }
  } else if (auto* check = qobject_cast<QCheckBox*>(control)) {
    QCOMPARE(check->text(), info.label);
  } else {
    QVERIFY(qobject_cast<QLineEdit*>(control) || qobject_cast<QTableView*>(control));
  }
}

void TestTrainingSettings::everySettingSetInThePanelComesBackFromApplyTo_data() {
  settingRows();
}

void TestTrainingSettings::everySettingSetInThePanelComesBackFromApplyTo() {
  QFETCH(QString, key);
  const SettingInfo& info = *findSetting(key);
  TrainingSettingsPanel panel;
  QSignalSpy edited(&panel, &TrainingSettingsPanel::configEdited);
  const QVariant expected = editAsAUser(panel, info, panel.controlFor(key));
  QVERIFY(edited.count() >= 1);
  TrainingConfig written;
  panel.applyTo(written);
  QCOMPARE(settingValue(written, info), expected);
  QCOMPARE(settingValue(panel.currentConfig(), info), expected);
}

void TestTrainingSettings::aSettingOnlyInTheTableAppearsInTheAdvancedTab() {
  // A table with one setting no control is placed for by hand: runtime.max_bad_steps under a new key.
  std::vector<SettingInfo> table;
  SettingInfo added;
  for (const SettingInfo& info : settingInfos()) {
    if (info.key == QLatin1String("runtime.max_bad_steps"))
      added = info;
    else
      table.push_back(info);
  }
  added.key = QStringLiteral("test.added_setting");
  added.label = QStringLiteral("Added setting");
  added.help = QStringLiteral("A setting that exists only in this test's table.");
  table.push_back(added);

  TrainingSettingsPanel panel(table);
  auto* spin = qobject_cast<QSpinBox*>(panel.controlFor(added.key));
  QVERIFY(spin);
  QCOMPARE(spin->objectName(), added.key);
  auto* tabs = child<QTabWidget>(panel, "settingsTabs");
  QCOMPARE(tabs->tabText(tabs->indexOf(panel.advancedTab())), QStringLiteral("Advanced"));
  QVERIFY(panel.advancedTab()->isAncestorOf(spin));
  QCOMPARE(spin->toolTip(), added.help);
  QCOMPARE(spin->minimum(), int(added.range.min));
  QCOMPARE(spin->maximum(), int(added.range.max));
  bool labelled = false;
  for (QLabel* label : panel.advancedTab()->findChildren<QLabel*>())
    labelled =
        labelled || (label->text() == QStringLiteral("Added setting:") && label->toolTip() == added.help);
  QVERIFY(labelled);

  TrainingConfig config;
  config.maxBadSteps = 7;
  panel.setConfig(config);
  QCOMPARE(spin->value(), 7);
  spin->setValue(9);
  TrainingConfig written;
  panel.applyTo(written);
  QCOMPARE(written.maxBadSteps, 9);
  QCOMPARE(panel.controlFor(QStringLiteral("runtime.max_bad_steps")), nullptr);
}

QTEST_MAIN(TestTrainingSettings)
#include "test_training_settings.moc"
