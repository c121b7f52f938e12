// TrainingConfig: defaults, JSON round trip, tolerance of missing keys, key paths in type errors,
// `--set key=value`, and validate()'s plain-language messages.

#include "ConfigCompare.h"
#include "core/project/SettingTable.h"
#include "core/project/TrainingConfig.h"

#include <nlohmann/json.hpp>

#include <QTest>

#include <cmath>
#include <functional>
#include <limits>

using attune::ErrorCode;
using attune::FreezeMode;
using attune::OptimizerKind;
using attune::ScheduleKind;
using attune::TrainingConfig;
using nlohmann::json;

using ConfigEdit = std::function<void(TrainingConfig&)>;
using ConfigCheck = std::function<bool(const TrainingConfig&)>;
Q_DECLARE_METATYPE(ConfigEdit)
Q_DECLARE_METATYPE(ConfigCheck)

namespace {

json parse(const QByteArray& text) {
  return json::parse(text.constData(), text.constData() + text.size());
}

QString mismatch(const json& actual, const json& expected) {
  return QStringLiteral("got %1\nexpected %2")
      .arg(QString::fromStdString(actual.dump()), QString::fromStdString(expected.dump()));
}

// Every leaf of a JSON object as a JSON pointer ("/optim/lr_head"). optim.group_lrs is one setting
// whose value is an object (rates by group name).
void collectLeaves(const json& node, const std::string& prefix, QStringList& out) {
  if (node.is_object() && prefix != "/optim/group_lrs") {
    for (const auto& [key, child] : node.items()) collectLeaves(child, prefix + "/" + key, out);
  } else {
    out << QString::fromStdString(prefix);
  }
}

json::json_pointer pointerFor(const QString& dottedKey) {
  const QString path = QLatin1Char('/') + QString(dottedKey).replace(QLatin1Char('.'), QLatin1Char('/'));
  return json::json_pointer(path.toStdString());
}

}  // namespace

class TestTrainingConfig : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void defaultsValidateClean();
  void configKeysAreTheJsonLeaves();

  void jsonRoundTripKeepsEveryField();
  void jsonRoundTripKeepsDefaults();

  void missingKeysKeepDefaults_data();
  void missingKeysKeepDefaults();
  void missingKeyChangesOnlyThePresentField();

  void wrongTypeNamesKeyPath_data();
  void wrongTypeNamesKeyPath();
  void unknownEnumWordListsAllowedWords_data();
  void unknownEnumWordListsAllowedWords();

  void setAppliesValue_data();
  void setAppliesValue();
  void setRejectsBadValue_data();
  void setRejectsBadValue();
  void setUnknownKeyListsKnownKeys();
  void setPresetAppliesItsSettings();
  void setGroupRateByDottedName();
  void listAndMapSettingsReadAndReject();

  void validateCatchesBadValue_data();
  void validateCatchesBadValue();
  void validateAcceptsBoundaryValues_data();
  void validateAcceptsBoundaryValues();

  // The setting table (SettingTable.h), entry by entry.
  void everySettingIsDescribed_data();
  void everySettingIsDescribed();
  void setAcceptsAValidValueOfEverySetting_data();
  void setAcceptsAValidValueOfEverySetting();
  void setRefusesAnOutOfRangeValueNamingTheKey_data();
  void setRefusesAnOutOfRangeValueNamingTheKey();
  void projectFileRoundTripsEverySetting_data();
  void projectFileRoundTripsEverySetting();
  void validateUsesTheTablesRanges_data();
  void validateUsesTheTablesRanges();
};

void TestTrainingConfig::defaultsValidateClean() {
  const QStringList problems = TrainingConfig{}.validate();
  QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
}

void TestTrainingConfig::configKeysAreTheJsonLeaves() {
  // `--set`, usage messages and the project file must agree on the list of settings.
  QStringList leaves;
  collectLeaves(TrainingConfig{}.toJson(), "", leaves);
  QStringList keysAsPointers;
  for (const QString& key : attune::configKeys())
    keysAsPointers << QString::fromStdString(pointerFor(key).to_string());
  leaves.sort();
  keysAsPointers.sort();
  QCOMPARE(keysAsPointers, leaves);
}

void TestTrainingConfig::jsonRoundTripKeepsEveryField() {
  const TrainingConfig original = attune::test::nonDefaultConfig();
  QVERIFY(original.validate().isEmpty());
  // Through text, as the project file does.
  const json reparsed = json::parse(original.toJson().dump(2));
  auto loaded = TrainingConfig::fromJson(reparsed);
  QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().text()));
  attune::test::compareEveryField(loaded.value(), original);
}

void TestTrainingConfig::jsonRoundTripKeepsDefaults() {
  // Unset optionals are written as null and read back as unset.
  auto loaded = TrainingConfig::fromJson(json::parse(TrainingConfig{}.toJson().dump()));
  QVERIFY(loaded.ok());
  attune::test::compareEveryField(loaded.value(), TrainingConfig{});
}

void TestTrainingConfig::missingKeysKeepDefaults_data() {
  QTest::addColumn<QByteArray>("document");
  QTest::addColumn<QByteArray>("expectedChanges");  // merged into the defaults' JSON

  QTest::newRow("empty object") << QByteArray("{}") << QByteArray("{}");
  QTest::newRow("empty sections") << QByteArray(R"({"optim":{},"model":{},"runtime":{}})")
                                  << QByteArray("{}");
  QTest::newRow("null values") << QByteArray(R"({"epochs":null,"optim":null,"model":{"input_size":null}})")
                               << QByteArray("{}");
  QTest::newRow("one nested key") << QByteArray(R"({"optim":{"lr_head":0.01}})")
                                  << QByteArray(R"({"optim":{"lr_head":0.01}})");
  QTest::newRow("one top-level key") << QByteArray(R"({"epochs":9})") << QByteArray(R"({"epochs":9})");
  QTest::newRow("two sections")
      << QByteArray(R"({"freeze":{"backbone":true},"augment":{"horizontal_flip":false}})")
      << QByteArray(R"({"freeze":{"backbone":true},"augment":{"horizontal_flip":false}})");
  QTest::newRow("optional set") << QByteArray(R"({"model":{"input_size":128}})")
                                << QByteArray(R"({"model":{"input_size":128}})");
}

void TestTrainingConfig::missingKeysKeepDefaults() {
  QFETCH(QByteArray, document);
  QFETCH(QByteArray, expectedChanges);
  auto loaded = TrainingConfig::fromJson(parse(document));
  QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().text()));
  json expected = TrainingConfig{}.toJson();
  expected.merge_patch(parse(expectedChanges));
  const json actual = loaded->toJson();
  QVERIFY2(actual == expected, qPrintable(mismatch(actual, expected)));
}

void TestTrainingConfig::missingKeyChangesOnlyThePresentField() {
  auto loaded = TrainingConfig::fromJson(json::parse(R"({"optim":{"lr_head":0.01}})"));
  QVERIFY(loaded.ok());
  TrainingConfig expected;
  expected.lrHead = 0.01;
  attune::test::compareEveryField(loaded.value(), expected);
}

void TestTrainingConfig::wrongTypeNamesKeyPath_data() {
  QTest::addColumn<QByteArray>("document");
  QTest::addColumn<QString>("keyPath");
  QTest::addColumn<QString>("expected");  // what the message says the value must be

  QTest::newRow("text for number") << QByteArray(R"({"optim":{"lr_head":"fast"}})")
                                   << QStringLiteral("config.optim.lr_head") << QStringLiteral("a number");
  QTest::newRow("number for bool") << QByteArray(R"({"augment":{"horizontal_flip":1}})")
                                   << QStringLiteral("config.augment.horizontal_flip")
                                   << QStringLiteral("true or false");
  QTest::newRow("text for optional int")
      << QByteArray(R"({"model":{"input_size":"big"}})") << QStringLiteral("config.model.input_size")
      << QStringLiteral("a whole number");
  QTest::newRow("fraction for optional int")
      << QByteArray(R"({"model":{"input_size":224.5}})") << QStringLiteral("config.model.input_size")
      << QStringLiteral("a whole number");
  QTest::newRow("text for int") << QByteArray(R"({"epochs":"5"})") << QStringLiteral("config.epochs")
                                << QStringLiteral("a whole number");
  QTest::newRow("fraction for int") << QByteArray(R"({"batch_size":16.5})")
                                    << QStringLiteral("config.batch_size")
                                    << QStringLiteral("a whole number");
  QTest::newRow("int too large") << QByteArray(R"({"seed":10000000000})") << QStringLiteral("config.seed")
                                 << QStringLiteral("a smaller whole number");
  QTest::newRow("int too small") << QByteArray(R"({"seed":-10000000000})") << QStringLiteral("config.seed")
                                 << QStringLiteral("a smaller whole number");
  QTest::newRow("unsigned beyond int64")
      << QByteArray(R"({"epochs":18446744073709551615})") << QStringLiteral("config.epochs")
      << QStringLiteral("a smaller whole number");
  QTest::newRow("number for text") << QByteArray(R"({"model":{"weights":3}})")
                                   << QStringLiteral("config.model.weights") << QStringLiteral("text");
  QTest::newRow("text for freeze") << QByteArray(R"({"freeze":{"backbone":"yes"}})")
                                   << QStringLiteral("config.freeze.backbone")
                                   << QStringLiteral("true or false");
  QTest::newRow("number for enum") << QByteArray(R"({"schedule":{"kind":3}})")
                                   << QStringLiteral("config.schedule.kind") << QStringLiteral("one of:");
  QTest::newRow("bool for optional int")
      << QByteArray(R"({"runtime":{"threads":true}})") << QStringLiteral("config.runtime.threads")
      << QStringLiteral("a whole number");
  QTest::newRow("list for int") << QByteArray(R"({"runtime":{"loader_workers":[2]}})")
                                << QStringLiteral("config.runtime.loader_workers")
                                << QStringLiteral("a whole number");
  QTest::newRow("text for section") << QByteArray(R"({"optim":"adamw"})") << QStringLiteral("config.optim")
                                    << QStringLiteral("an object");
  QTest::newRow("not an object") << QByteArray("[1, 2]") << QStringLiteral("config")
                                 << QStringLiteral("an object");
}

void TestTrainingConfig::wrongTypeNamesKeyPath() {
  QFETCH(QByteArray, document);
  QFETCH(QString, keyPath);
  QFETCH(QString, expected);
  auto loaded = TrainingConfig::fromJson(parse(document));
  QVERIFY(!loaded.ok());
  QCOMPARE(loaded.error().code, ErrorCode::BadValue);
  const QString message = loaded.error().message;
  QVERIFY2(message.startsWith(keyPath + QStringLiteral(" must be ")), qPrintable(message));
  QVERIFY2(message.contains(expected), qPrintable(message));
}

void TestTrainingConfig::unknownEnumWordListsAllowedWords_data() {
  QTest::addColumn<QByteArray>("document");
  QTest::addColumn<QString>("keyPath");
  QTest::addColumn<QStringList>("allowed");

  QTest::newRow("optimizer") << QByteArray(R"({"optim":{"kind":"rmsprop"}})")
                             << QStringLiteral("config.optim.kind")
                             << QStringList{QStringLiteral("adamw"), QStringLiteral("adam"),
                                            QStringLiteral("sgd")};
  QTest::newRow("schedule") << QByteArray(R"({"schedule":{"kind":"exponential"}})")
                            << QStringLiteral("config.schedule.kind")
                            << QStringList{QStringLiteral("cosine"),   QStringLiteral("constant"),
                                           QStringLiteral("step"),     QStringLiteral("linear"),
                                           QStringLiteral("onecycle"), QStringLiteral("plateau")};
  QTest::newRow("class balance") << QByteArray(R"({"loss":{"class_balance":"oversample"}})")
                                 << QStringLiteral("config.loss.class_balance")
                                 << QStringList{QStringLiteral("auto"), QStringLiteral("weighted_loss"),
                                                QStringLiteral("balanced_sampling")};
  QTest::newRow("wrong case") << QByteArray(R"({"optim":{"kind":"AdamW"}})")
                              << QStringLiteral("config.optim.kind")
                              << QStringList{QStringLiteral("adamw"), QStringLiteral("sgd")};
}

void TestTrainingConfig::unknownEnumWordListsAllowedWords() {
  QFETCH(QByteArray, document);
  QFETCH(QString, keyPath);
  QFETCH(QStringList, allowed);
  auto loaded = TrainingConfig::fromJson(parse(document));
  QVERIFY(!loaded.ok());
  QCOMPARE(loaded.error().code, ErrorCode::BadValue);
  const QString message = loaded.error().message;
  QVERIFY2(message.contains(keyPath), qPrintable(message));
  for (const QString& word : allowed) QVERIFY2(message.contains(word), qPrintable(message));
}

void TestTrainingConfig::setAppliesValue_data() {
  QTest::addColumn<QString>("key");
  QTest::addColumn<QString>("value");
  QTest::addColumn<QByteArray>("expectedJson");  // the key's value in toJson() afterwards
  QTest::addColumn<ConfigCheck>("check");

  QTest::newRow("number") << QStringLiteral("optim.lr_head") << QStringLiteral("3e-4") << QByteArray("3e-4")
                          << ConfigCheck([](const TrainingConfig& c) { return c.lrHead == 3e-4; });
  QTest::newRow("bool") << QStringLiteral("freeze.backbone") << QStringLiteral("true") << QByteArray("true")
                        << ConfigCheck(
                               [](const TrainingConfig& c) { return c.freeze == FreezeMode::Backbone; });
  QTest::newRow("enum") << QStringLiteral("schedule.kind") << QStringLiteral("constant")
                        << QByteArray(R"("constant")") << ConfigCheck([](const TrainingConfig& c) {
                             return c.schedule == ScheduleKind::Constant;
                           });
  QTest::newRow("enum sgd") << QStringLiteral("optim.kind") << QStringLiteral("sgd") << QByteArray(R"("sgd")")
                            << ConfigCheck(
                                   [](const TrainingConfig& c) { return c.optimizer == OptimizerKind::Sgd; });
  QTest::newRow("path") << QStringLiteral("model.weights") << QStringLiteral("/x/y.safetensors")
                        << QByteArray(R"("/x/y.safetensors")") << ConfigCheck([](const TrainingConfig& c) {
                             return c.weightsPath == QLatin1String("/x/y.safetensors");
                           });
  QTest::newRow("text that parses as a number")
      << QStringLiteral("model.weights") << QStringLiteral("1") << QByteArray(R"("1")")
      << ConfigCheck([](const TrainingConfig& c) { return c.weightsPath == QLatin1String("1"); });
  QTest::newRow("optional int") << QStringLiteral("model.input_size") << QStringLiteral("96")
                                << QByteArray("96")
                                << ConfigCheck([](const TrainingConfig& c) { return c.inputSize == 96; });
  QTest::newRow("int") << QStringLiteral("epochs") << QStringLiteral("2") << QByteArray("2")
                       << ConfigCheck([](const TrainingConfig& c) { return c.epochs == 2; });
  QTest::newRow("text") << QStringLiteral("model.architecture") << QStringLiteral("mobilenet_v2")
                        << QByteArray(R"("mobilenet_v2")") << ConfigCheck([](const TrainingConfig& c) {
                             return c.architecture == QLatin1String("mobilenet_v2");
                           });
}

void TestTrainingConfig::setAppliesValue() {
  QFETCH(QString, key);
  QFETCH(QString, value);
  QFETCH(QByteArray, expectedJson);
  QFETCH(ConfigCheck, check);
  TrainingConfig config;
  auto status = config.set(key, value);
  QVERIFY2(status.ok(), status.ok() ? "" : qPrintable(status.error().text()));
  QVERIFY(check(config));
  // Nothing else changed.
  json expected = TrainingConfig{}.toJson();
  expected[pointerFor(key)] = parse(expectedJson);
  const json actual = config.toJson();
  QVERIFY2(actual == expected, qPrintable(mismatch(actual, expected)));
}

void TestTrainingConfig::setRejectsBadValue_data() {
  QTest::addColumn<QString>("key");
  QTest::addColumn<QString>("value");
  QTest::addColumn<QStringList>("messageParts");

  QTest::newRow("fraction for int") << QStringLiteral("epochs") << QStringLiteral("2.5")
                                    << QStringList{QStringLiteral("epochs"), QStringLiteral("whole number")};
  QTest::newRow("word for bool") << QStringLiteral("freeze.backbone") << QStringLiteral("maybe")
                                 << QStringList{QStringLiteral("freeze.backbone"),
                                                QStringLiteral("true or false")};
  QTest::newRow("word for number") << QStringLiteral("optim.lr_head") << QStringLiteral("fast")
                                   << QStringList{QStringLiteral("optim.lr_head"),
                                                  QStringLiteral("a number")};
  QTest::newRow("empty for number") << QStringLiteral("optim.lr_head") << QString()
                                    << QStringList{QStringLiteral("optim.lr_head"),
                                                   QStringLiteral("a number")};
  QTest::newRow("unknown enum word") << QStringLiteral("optim.kind") << QStringLiteral("rmsprop")
                                     << QStringList{QStringLiteral("optim.kind"), QStringLiteral("adamw"),
                                                    QStringLiteral("sgd")};
  QTest::newRow("fraction for optional int") << QStringLiteral("model.input_size") << QStringLiteral("96.5")
                                             << QStringList{QStringLiteral("model.input_size")};
}

void TestTrainingConfig::setRejectsBadValue() {
  QFETCH(QString, key);
  QFETCH(QString, value);
  QFETCH(QStringList, messageParts);
  TrainingConfig config;
  auto status = config.set(key, value);
  QVERIFY(!status.ok());
  QCOMPARE(status.error().code, ErrorCode::BadValue);
  for (const QString& part : messageParts)
    QVERIFY2(status.error().message.contains(part), qPrintable(status.error().message));
  // A rejected value leaves the config as it was.
  QVERIFY(config.toJson() == TrainingConfig{}.toJson());
}

void TestTrainingConfig::setUnknownKeyListsKnownKeys() {
  TrainingConfig config;
  auto status = config.set(QStringLiteral("optim.learning_rate"), QStringLiteral("0.1"));
  QVERIFY(!status.ok());
  QCOMPARE(status.error().code, ErrorCode::BadValue);
  const QString text = status.error().text();
  QVERIFY2(text.contains(QLatin1String("optim.learning_rate")), qPrintable(text));
  const QStringList keys = attune::configKeys();
  QVERIFY(keys.size() >= 20);
  for (const QString& key : keys)
    QVERIFY2(text.contains(key), qPrintable(key + QStringLiteral(" missing: ") + text));
  QVERIFY(config.toJson() == TrainingConfig{}.toJson());
}

void TestTrainingConfig::validateCatchesBadValue_data() {
  QTest::addColumn<ConfigEdit>("edit");
  QTest::addColumn<QString>("messagePart");

  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto row = [](const char* name, ConfigEdit edit, const char* part) {
    QTest::newRow(name) << edit << QString::fromUtf8(part);
  };
  row(
      "blank architecture", [](TrainingConfig& c) { c.architecture = QStringLiteral("  "); },
      "model architecture");
  row(
      "zero epochs", [](TrainingConfig& c) { c.epochs = 0; }, "epochs must be between 1 and 10000");
  row(
      "too many epochs", [](TrainingConfig& c) { c.epochs = 10001; }, "epochs must be between 1 and 10000");
  row(
      "zero batch size", [](TrainingConfig& c) { c.batchSize = 0; }, "batch size must be between 1 and 4096");
  row(
      "huge batch size", [](TrainingConfig& c) { c.batchSize = 5000; },
      "batch size must be between 1 and 4096");
  row(
      "zero head lr", [](TrainingConfig& c) { c.lrHead = 0.0; }, "learning rate of the new layer");
  row(
      "negative head lr", [](TrainingConfig& c) { c.lrHead = -1e-3; }, "learning rate of the new layer");
  row(
      "huge head lr", [](TrainingConfig& c) { c.lrHead = 10.0; }, "learning rate of the new layer");
  row(
      "nan head lr", [nan](TrainingConfig& c) { c.lrHead = nan; }, "learning rate of the new layer");
  row(
      "negative backbone lr", [](TrainingConfig& c) { c.lrBackbone = -1e-4; }, "pre-trained layers");
  row(
      "nan backbone lr", [nan](TrainingConfig& c) { c.lrBackbone = nan; }, "pre-trained layers");
  row(
      "momentum 1", [](TrainingConfig& c) { c.momentum = 1.0; }, "Momentum");
  row(
      "negative weight decay", [](TrainingConfig& c) { c.weightDecay = -0.01; }, "Weight decay");
  row(
      "long warm-up", [](TrainingConfig& c) { c.warmupFraction = 0.6; }, "warm-up");
  row(
      "label smoothing 1", [](TrainingConfig& c) { c.labelSmoothing = 1.0; }, "Label smoothing");
  row(
      "tiny input", [](TrainingConfig& c) { c.inputSize = 8; }, "input size");
  row(
      "huge input", [](TrainingConfig& c) { c.inputSize = 4096; }, "input size");
  row(
      "zero threads", [](TrainingConfig& c) { c.threads = 0; }, "thread");
  row(
      "too many threads", [](TrainingConfig& c) { c.threads = 5000; }, "threads must be between 1 and 1024");
  row(
      "zero loader workers", [](TrainingConfig& c) { c.loaderWorkers = 0; }, "prepare images");
  row(
      "zero bad steps", [](TrainingConfig& c) { c.maxBadSteps = 0; }, "failed steps");
}

void TestTrainingConfig::validateCatchesBadValue() {
  QFETCH(ConfigEdit, edit);
  QFETCH(QString, messagePart);
  TrainingConfig config;
  edit(config);
  const QStringList problems = config.validate();
  QCOMPARE(problems.size(), 1);
  const QString& message = problems.first();
  QVERIFY2(message.contains(messagePart), qPrintable(message));
  // Plain words for a domain expert: a sentence, no file keys or field names.
  QVERIFY2(message.endsWith(QLatin1Char('.')), qPrintable(message));
  QVERIFY2(message.at(0).isUpper(), qPrintable(message));
  QVERIFY2(!message.contains(QLatin1Char('_')), qPrintable(message));
  for (const QString& key : attune::configKeys()) {
    if (key.contains(QLatin1Char('.'))) QVERIFY2(!message.contains(key), qPrintable(message));
  }
}

void TestTrainingConfig::validateAcceptsBoundaryValues_data() {
  QTest::addColumn<ConfigEdit>("edit");
  auto row = [](const char* name, ConfigEdit edit) { QTest::newRow(name) << edit; };
  row("one epoch", [](TrainingConfig& c) { c.epochs = 1; });
  row("batch size 1", [](TrainingConfig& c) { c.batchSize = 1; });
  row("frozen backbone lr 0", [](TrainingConfig& c) { c.lrBackbone = 0.0; });
  row("no momentum", [](TrainingConfig& c) { c.momentum = 0.0; });
  row("no weight decay", [](TrainingConfig& c) { c.weightDecay = 0.0; });
  row("no warm-up", [](TrainingConfig& c) { c.warmupFraction = 0.0; });
  row("half warm-up", [](TrainingConfig& c) { c.warmupFraction = 0.5; });
  row("no label smoothing", [](TrainingConfig& c) { c.labelSmoothing = 0.0; });
  row("smallest input", [](TrainingConfig& c) { c.inputSize = 16; });
  row("largest input", [](TrainingConfig& c) { c.inputSize = 1024; });
  row("one thread", [](TrainingConfig& c) { c.threads = 1; });
  row("one loader worker", [](TrainingConfig& c) { c.loaderWorkers = 1; });
  row("stop at first bad step", [](TrainingConfig& c) { c.maxBadSteps = 1; });
  row("everything changed", [](TrainingConfig& c) { c = attune::test::nonDefaultConfig(); });
}

void TestTrainingConfig::validateAcceptsBoundaryValues() {
  QFETCH(ConfigEdit, edit);
  TrainingConfig config;
  edit(config);
  const QStringList problems = config.validate();
  QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
}

void TestTrainingConfig::setPresetAppliesItsSettings() {
  TrainingConfig config;
  QVERIFY(config.set(QStringLiteral("preset"), QStringLiteral("quick")).ok());
  QVERIFY(config.preset == attune::Preset::Quick);
  QVERIFY(config.freeze == FreezeMode::Backbone);
  QVERIFY(!config.augments());
  QVERIFY(config.featureCache == attune::FeatureCacheMode::Auto);
  // A later --set still overrides a preset's value, and the label survives the round trip.
  QVERIFY(config.set(QStringLiteral("epochs"), QStringLiteral("3")).ok());
  QCOMPARE(config.epochs, 3);
  auto loaded = TrainingConfig::fromJson(config.toJson());
  QVERIFY(loaded.ok());
  QVERIFY(loaded->preset == attune::Preset::Quick);

  QVERIFY(config.set(QStringLiteral("preset"), QStringLiteral("thorough")).ok());
  QVERIFY(config.freeze == FreezeMode::None);
  QVERIFY(config.findLr);
  QVERIFY(config.patience > 0);
  QVERIFY(config.monitor == attune::MonitorMetric::ValLoss);
  QVERIFY(config.validate().isEmpty());

  QVERIFY(config.set(QStringLiteral("preset"), QStringLiteral("balanced")).ok());
  QVERIFY(config.unfreezeEvery > 0);
  QVERIFY(config.layerDecay < 1.0);
  QVERIFY(config.validate().isEmpty());

  auto bad = config.set(QStringLiteral("preset"), QStringLiteral("fastest"));
  QVERIFY(!bad.ok());
  QVERIFY(bad.error().message.contains(QStringLiteral("quick")));
}

void TestTrainingConfig::setGroupRateByDottedName() {
  TrainingConfig config;
  QVERIFY(config.set(QStringLiteral("optim.group_lrs.stage 4"), QStringLiteral("2e-4")).ok());
  QVERIFY(config.set(QStringLiteral("optim.group_lrs.stem"), QStringLiteral("0")).ok());
  QCOMPARE(config.groupLrs.size(), size_t(2));
  QCOMPARE(config.groupLrs.at(QStringLiteral("stage 4")), 2e-4);
  const json out = config.toJson();
  QCOMPARE(out["optim"]["group_lrs"]["stage 4"].get<double>(), 2e-4);
  QVERIFY(!config.set(QStringLiteral("optim.group_lrs.stem"), QStringLiteral("fast")).ok());
  // The whole map as JSON replaces it.
  QVERIFY(config.set(QStringLiteral("optim.group_lrs"), QStringLiteral(R"({"head": 0.01})")).ok());
  QCOMPARE(config.groupLrs.size(), size_t(1));
  QCOMPARE(config.groupLrs.at(QStringLiteral("head")), 0.01);
  config.groupLrs[QStringLiteral("head")] = -1.0;
  QVERIFY(config.validate().join(QLatin1Char(' ')).contains(QStringLiteral("'head'")));
}

void TestTrainingConfig::listAndMapSettingsReadAndReject() {
  auto loaded = TrainingConfig::fromJson(parse(R"({"freeze":{"unfreeze_at":[2,4]}})"));
  QVERIFY(loaded.ok());
  QVERIFY((loaded->unfreezeAt == std::vector<int>{2, 4}));
  auto notList = TrainingConfig::fromJson(parse(R"({"freeze":{"unfreeze_at":3}})"));
  QVERIFY(!notList.ok());
  QVERIFY2(notList.error().message.startsWith(QStringLiteral("config.freeze.unfreeze_at must be")),
           qPrintable(notList.error().message));
  auto badItem = TrainingConfig::fromJson(parse(R"({"freeze":{"unfreeze_at":[2,"x"]}})"));
  QVERIFY(!badItem.ok());
  QVERIFY2(badItem.error().message.contains(QStringLiteral("config.freeze.unfreeze_at[1]")),
           qPrintable(badItem.error().message));
  auto badRate = TrainingConfig::fromJson(parse(R"({"optim":{"group_lrs":{"stem":"x"}}})"));
  QVERIFY(!badRate.ok());
  QVERIFY2(badRate.error().message.contains(QStringLiteral("config.optim.group_lrs.stem")),
           qPrintable(badRate.error().message));
  TrainingConfig config;
  QVERIFY(config.set(QStringLiteral("freeze.unfreeze_at"), QStringLiteral("[3,5]")).ok());
  QVERIFY((config.unfreezeAt == std::vector<int>{3, 5}));
  config.unfreezeAt = {0};
  QVERIFY(!config.validate().isEmpty());
}

namespace {

// One row per setting of the table.
void settingRows() {
  QTest::addColumn<QString>("key");
  for (const attune::SettingInfo& info : attune::settingInfos())
    QTest::newRow(qPrintable(info.key)) << info.key;
}

const attune::SettingInfo& settingOf(const QString& key) {
  const attune::SettingInfo* info = attune::findSetting(key);
  if (!info) qFatal("no setting %s", qPrintable(key));
  return *info;
}

bool hasRange(const attune::SettingInfo& info) {
  using attune::SettingType;
  return info.type == SettingType::Integer || info.type == SettingType::Number ||
         info.type == SettingType::OptionalInteger || info.type == SettingType::EpochList ||
         info.type == SettingType::GroupRates;
}

// A value other than the default that the setting accepts.
QVariant validNonDefault(const attune::SettingInfo& info) {
  using attune::SettingType;
  const QVariant current = attune::settingDefault(info);
  const attune::SettingRange& r = info.range;
  switch (info.type) {
    case SettingType::Integer:
    case SettingType::OptionalInteger: {
      const int highest = int(r.maxExclusive ? r.max - 1 : r.max);
      return current == QVariant(highest) ? QVariant(int(r.minExclusive ? r.min + 1 : r.min))
                                          : QVariant(highest);
    }
    case SettingType::Number: {
      const double middle = (r.min + r.max) / 2.0;
      return current.toDouble() == middle ? QVariant((r.min + middle) / 2.0) : QVariant(middle);
    }
    case SettingType::YesNo:
      return !current.toBool();
    case SettingType::Text:
      return QStringLiteral("some_layer");
    case SettingType::Choice:
      return info.choices.back().word == current.toString() ? info.choices.front().word
                                                            : info.choices.back().word;
    case SettingType::EpochList:
      return QVariantList{2, 4};
    case SettingType::GroupRates:
      return QVariantMap{{QStringLiteral("stage 4"), 0.002}};
  }
  return {};
}

// A value of the right type outside the range (an exclusive bound itself where there is one).
QVariant outOfRange(const attune::SettingInfo& info) {
  using attune::SettingType;
  const attune::SettingRange& r = info.range;
  const double above = r.maxExclusive ? r.max : r.max + 1;
  switch (info.type) {
    case SettingType::Integer:
    case SettingType::OptionalInteger:
      return r.max >= std::numeric_limits<int>::max() ? QVariant(int(r.min) - 1) : QVariant(int(above));
    case SettingType::Number:
      return above;
    case SettingType::EpochList:
      return QVariantList{int(r.min) - 1};
    case SettingType::GroupRates:
      return QVariantMap{{QStringLiteral("stem"), above}};
    case SettingType::Choice:
      return QStringLiteral("no_such_choice");
    case SettingType::YesNo:
    case SettingType::Text:
      break;
  }
  return {};
}

}  // namespace

void TestTrainingConfig::everySettingIsDescribed_data() {
  settingRows();
}

void TestTrainingConfig::everySettingIsDescribed() {
  QFETCH(QString, key);
  const attune::SettingInfo& info = settingOf(key);
  QVERIFY(!info.label.isEmpty());
  QVERIFY(!info.help.isEmpty());
  QVERIFY(!info.subject.isEmpty());
  QVERIFY(info.get && info.put);
  if (hasRange(info)) QVERIFY2(info.range.min < info.range.max, qPrintable(info.range.describe()));
  if (info.type == attune::SettingType::Choice) QVERIFY(info.choices.size() >= 2);
  // The default lies within the range and choices.
  QVERIFY(attune::settingProblems(info, attune::settingDefault(info)).isEmpty());
}

void TestTrainingConfig::setAcceptsAValidValueOfEverySetting_data() {
  settingRows();
}

void TestTrainingConfig::setAcceptsAValidValueOfEverySetting() {
  QFETCH(QString, key);
  const attune::SettingInfo& info = settingOf(key);
  const QVariant value = validNonDefault(info);
  TrainingConfig config;
  auto status = config.set(key, attune::formatSettingValue(info, value));
  QVERIFY2(status.ok(), status.ok() ? "" : qPrintable(status.error().text()));
  if (key == QLatin1String("preset")) {
    // A preset applies its settings as well as its label.
    TrainingConfig expected;
    attune::applyPreset(expected, attune::Preset::Thorough);
    attune::test::compareEveryField(config, expected);
  }
  QCOMPARE(attune::settingValue(config, info), value);
  TrainingConfig direct;
  QVERIFY(attune::setSetting(direct, info, value).ok());
  QCOMPARE(attune::settingValue(direct, info), value);
}

void TestTrainingConfig::setRefusesAnOutOfRangeValueNamingTheKey_data() {
  settingRows();
}

void TestTrainingConfig::setRefusesAnOutOfRangeValueNamingTheKey() {
  QFETCH(QString, key);
  const attune::SettingInfo& info = settingOf(key);
  const QVariant bad = outOfRange(info);
  if (!bad.isValid()) QSKIP("yes/no and text settings have no range");
  TrainingConfig config;
  auto status = config.set(key, attune::formatSettingValue(info, bad));
  QVERIFY(!status.ok());
  QCOMPARE(status.error().code, ErrorCode::BadValue);
  QVERIFY2(status.error().message.startsWith(key + QStringLiteral(" must be ")),
           qPrintable(status.error().message));
  QVERIFY(config.toJson() == TrainingConfig{}.toJson());
  QVERIFY(!attune::setSetting(config, info, bad).ok());
  QVERIFY(config.toJson() == TrainingConfig{}.toJson());
}

void TestTrainingConfig::projectFileRoundTripsEverySetting_data() {
  settingRows();
}

void TestTrainingConfig::projectFileRoundTripsEverySetting() {
  QFETCH(QString, key);
  const attune::SettingInfo& info = settingOf(key);
  TrainingConfig config;
  const QVariant value = validNonDefault(info);
  QVERIFY(attune::setSetting(config, info, value).ok());
  auto loaded = TrainingConfig::fromJson(json::parse(config.toJson().dump(2)));
  QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().text()));
  QCOMPARE(attune::settingValue(loaded.value(), info), value);
}

void TestTrainingConfig::validateUsesTheTablesRanges_data() {
  settingRows();
}

void TestTrainingConfig::validateUsesTheTablesRanges() {
  QFETCH(QString, key);
  const attune::SettingInfo& info = settingOf(key);
  if (!hasRange(info)) QSKIP("no range");
  TrainingConfig config;
  info.put(config, outOfRange(info));
  const QStringList problems = config.validate();
  QCOMPARE(problems.size(), 1);
  QVERIFY2(problems.first().contains(info.range.describe()), qPrintable(problems.first()));
}

QTEST_GUILESS_MAIN(TestTrainingConfig)
#include "test_training_config.moc"
