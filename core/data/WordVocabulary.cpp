#include "core/data/WordVocabulary.h"

#include "core/weights/SafetensorsReader.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

#include <algorithm>

namespace attune {

namespace {

// Stanford's tokenizer splits these clitics off ("they're" -> "they" + "'re"). GloVe 6B's own
// vocabulary has them, but the wink-embeddings copy dropped every token with an apostrophe, so a
// clitic the vocabulary lacks is looked up as the word it stands for; "'s" (possessive, or is/has)
// carries no meaning of its own and is then left out.
struct Clitic {
  const char* suffix;
  const char* fullWord;  // nullptr: left out
};
constexpr Clitic kClitics[] = {{"n't", "not"}, {"'re", "are"},  {"'ve", "have"}, {"'ll", "will"},
                               {"'m", "am"},   {"'d", "would"}, {"'s", nullptr}};

bool isWordChar(QChar c) {
  return c.isLetterOrNumber() || c.isMark();
}

QChar at(const QString& text, qsizetype i) {
  return i >= 0 && i < text.size() ? text[i] : QChar();
}

bool isApostrophe(QChar c) {
  return c == u'\'' || c == QChar(0x2019);
}

// Appends a word with its clitic split off the way Stanford's tokenizer does ("can't" -> "ca" +
// "n't", "won't" -> "wo" + "n't", "it's" -> "it" + "'s").
void appendWord(QString word, QStringList& tokens) {
  for (const Clitic& clitic : kClitics) {
    const QLatin1String suffix(clitic.suffix);
    if (word.size() > suffix.size() && word.endsWith(suffix)) {
      tokens.append(word.left(word.size() - suffix.size()));
      tokens.append(suffix);
      return;
    }
  }
  tokens.append(word);
}

QString withoutAccents(const QString& token) {
  QString result;
  for (QChar c : token.normalized(QString::NormalizationForm_D))
    if (!c.isMark()) result.append(c);
  return result;
}

Error badFile(const QString& fileName, const QString& what) {
  return Error(ErrorCode::BadFormat,
               QStringLiteral("%1 is not a word-vector file Attune can use: %2.").arg(fileName, what),
               QStringLiteral("Make the file again with Attune's set-up (installer/convert_glove.py)."));
}

}  // namespace

double WordCoverage::share() const {
  return totalTokens > 0 ? double(knownTokens) / double(totalTokens) : 0.0;
}

QStringList WordCoverage::mostFrequentUnknown(int count) const {
  std::vector<std::pair<qint64, QString>> ranked;
  for (auto it = unknownCounts.cbegin(); it != unknownCounts.cend(); ++it)
    ranked.emplace_back(-it.value(), it.key());
  std::sort(ranked.begin(), ranked.end());
  QStringList result;
  for (const auto& [negativeCount, token] : ranked) {
    if (result.size() >= count) break;
    result.append(token);
  }
  return result;
}

Result<WordVocabulary> WordVocabulary::fromFile(const QString& path) {
  auto content = SafetensorsReader::readFile(path);
  if (!content) return content.error();
  return fromContent(*content, QFileInfo(path).fileName());
}

Result<WordVocabulary> WordVocabulary::fromContent(const SafetensorsContent& content,
                                                   const QString& fileName) {
  const auto wordsEntry = content.metadata.find(kWordsKey);
  if (wordsEntry == content.metadata.end()) return badFile(fileName, QStringLiteral("it has no word list"));
  const QJsonDocument document = QJsonDocument::fromJson(QByteArray::fromStdString(wordsEntry->second));
  if (!document.isArray()) return badFile(fileName, QStringLiteral("its word list is not a list"));
  QStringList words;
  QSet<QString> seen;
  for (const QJsonValue& value : document.array()) {
    if (!value.isString() || value.toString().isEmpty())
      return badFile(fileName, QStringLiteral("its word list has an entry that is not a word"));
    if (seen.contains(value.toString()))
      return badFile(fileName, QStringLiteral("its word list has \"%1\" twice").arg(value.toString()));
    seen.insert(value.toString());
    words.append(value.toString());
  }
  if (words.isEmpty()) return badFile(fileName, QStringLiteral("its word list is empty"));

  const auto vectors = content.tensors.find(kVectorsTensor);
  if (vectors == content.tensors.end()) return badFile(fileName, QStringLiteral("it has no vectors"));
  const TensorData& table = vectors->second;
  if (table.dtype != DType::F32 || table.shape.size() != 2 || table.shape[1] < 1 ||
      table.shape[0] != words.size() + kFirstWordId)
    return badFile(fileName, QStringLiteral("its vectors do not match its %1 words").arg(words.size()));

  const auto source = content.metadata.find(kSourceKey);
  return WordVocabulary(std::move(words), source == content.metadata.end()
                                              ? QString()
                                              : QString::fromStdString(source->second));
}

WordVocabulary::WordVocabulary(QStringList words, QString source)
    : m_words(std::move(words)), m_source(std::move(source)) {
  m_ids.reserve(m_words.size());
  for (qsizetype i = 0; i < m_words.size(); ++i) m_ids.insert(m_words[i], kFirstWordId + i);
}

QStringList WordVocabulary::tokenize(const QString& text) {
  const QString lower = text.toLower();
  QStringList tokens;
  qsizetype i = 0;
  while (i < lower.size()) {
    const QChar c = lower[i];
    if (isWordChar(c)) {
      // A word or number runs on through a hyphen between word characters ("well-known"), a
      // separator between digits ("1,000", "3.5", "10/10") and an apostrophe between letters
      // ("don't", "it's"; the typographic one is read as the plain one), or before the "s" of a
      // decade ("80's": "80" + "'s").
      QString word;
      while (i < lower.size()) {
        const QChar d = lower[i];
        const QChar previous = at(lower, i - 1), next = at(lower, i + 1);
        if (isWordChar(d)) {
          word.append(d);
        } else if (d == u'-' && isWordChar(previous) && isWordChar(next)) {
          word.append(d);
        } else if ((d == u',' || d == u'.' || d == u'/' || d == u':') && previous.isDigit() &&
                   next.isDigit()) {
          word.append(d);
        } else if (isApostrophe(d) && next.isLetter() &&
                   (previous.isLetter() ||
                    (previous.isDigit() && next == u's' && !isWordChar(at(lower, i + 2))))) {
          word.append(u'\'');
        } else {
          break;
        }
        ++i;
      }
      appendWord(word, tokens);
    } else if (c.isSpace() || c.category() == QChar::Other_Control || c.category() == QChar::Other_Format) {
      ++i;
    } else if (c == u'.' && at(lower, i + 1) == u'.') {
      qsizetype end = i;
      while (at(lower, end) == u'.') ++end;
      tokens.append(QStringLiteral("..."));
      i = end;
    } else if (c.isHighSurrogate() && at(lower, i + 1).isLowSurrogate()) {
      tokens.append(lower.mid(i, 2));  // an emoji or another character outside the BMP
      i += 2;
    } else {
      tokens.append(QString(c));  // a punctuation mark or symbol on its own
      ++i;
    }
  }
  return tokens;
}

int64_t WordVocabulary::idOf(const QString& token) const {
  return m_ids.value(token, kUnknownId);
}

void WordVocabulary::encodeToken(const QString& token, std::vector<int64_t>& ids) const {
  if (const int64_t id = idOf(token); id != kUnknownId) {
    ids.push_back(id);
    return;
  }
  for (const Clitic& clitic : kClitics) {
    if (token != QLatin1String(clitic.suffix)) continue;
    if (clitic.fullWord != nullptr) ids.push_back(idOf(QLatin1String(clitic.fullWord)));
    return;
  }
  if (token == QLatin1String("...") && m_ids.contains(QStringLiteral("\u2026"))) {
    ids.push_back(idOf(QStringLiteral("\u2026")));
    return;
  }
  // "café" -> "cafe" when only the plain form has a vector.
  if (const QString plain = withoutAccents(token); plain != token && m_ids.contains(plain)) {
    ids.push_back(idOf(plain));
    return;
  }
  // A compound or name the vocabulary lacks as a whole: its parts ("movie-goer" -> "movie" "-"
  // "goer", "o'brien" -> "o" "brien"), as older Stanford tokenizers split hyphens.
  if (token.contains(u'-') || token.contains(u'\'')) {
    const QStringList parts = token.split(u'-');
    for (qsizetype p = 0; p < parts.size(); ++p) {
      if (p > 0) ids.push_back(idOf(QStringLiteral("-")));
      for (const QString& piece : parts[p].split(u'\'', Qt::SkipEmptyParts)) ids.push_back(idOf(piece));
    }
    return;
  }
  ids.push_back(kUnknownId);
}

std::vector<int64_t> WordVocabulary::encode(const QString& text, int maxTokens,
                                            WordCoverage* coverage) const {
  std::vector<int64_t> ids;
  for (const QString& token : tokenize(text)) {
    const size_t before = ids.size();
    encodeToken(token, ids);
    if (coverage == nullptr) continue;
    for (size_t k = before; k < ids.size(); ++k) {
      ++coverage->totalTokens;
      if (ids[k] != kUnknownId) ++coverage->knownTokens;
    }
    if (std::find(ids.begin() + before, ids.end(), kUnknownId) != ids.end()) ++coverage->unknownCounts[token];
  }
  if (maxTokens > 0 && ids.size() > size_t(maxTokens)) ids.resize(size_t(maxTokens));
  return ids;
}

}  // namespace attune
