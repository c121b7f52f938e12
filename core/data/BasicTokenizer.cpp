#include "core/data/BasicTokenizer.h"

#include <QChar>
#include <QString>

#include <vector>

namespace attune {

namespace {

constexpr char32_t kCapitalSigma = 0x3A3;
constexpr char32_t kFinalSigma = 0x3C2;

void appendUtf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// Calls f(code point) for each code point of UTF-16 text; a lone surrogate is passed as is (its
// category is Cs, a control character that cleaning removes).
template <typename F>
void forEachCodePoint(QStringView text, F&& f) {
  const qsizetype size = text.size();
  for (qsizetype i = 0; i < size; ++i) {
    const char16_t unit = text[i].unicode();
    if (QChar::isHighSurrogate(unit) && i + 1 < size && QChar::isLowSurrogate(text[i + 1].unicode())) {
      f(QChar::surrogateToUcs4(unit, text[i + 1].unicode()));
      ++i;
    } else {
      f(char32_t(unit));
    }
  }
}

// Whitespace that separates words: Unicode's White_Space property (what Rust's char::is_whitespace
// and Python's str.split use), a superset of the characters cleaning turns into spaces.
bool separatesWords(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= '\t' && c <= '\r');
  if (c == 0x85) return true;
  const auto category = QChar::category(c);
  return category == QChar::Separator_Space || category == QChar::Separator_Line ||
         category == QChar::Separator_Paragraph;
}

bool isCased(char32_t c) {
  const auto category = QChar::category(c);
  return category == QChar::Letter_Uppercase || category == QChar::Letter_Lowercase ||
         category == QChar::Letter_Titlecase;
}

// Unicode's Case_Ignorable, close enough for the sigma rule: marks, format characters, modifier
// letters and symbols, and the apostrophes and dots that may sit inside a word.
bool isCaseIgnorable(char32_t c) {
  switch (c) {
    case '\'':
    case '.':
    case ':':
    case 0xB7:
    case 0x2018:
    case 0x2019:
    case 0x2024:
    case 0xFE52:
    case 0xFF07:
    case 0xFF0E:
      return true;
    default:
      break;
  }
  const auto category = QChar::category(c);
  return category == QChar::Mark_NonSpacing || category == QChar::Mark_Enclosing ||
         category == QChar::Other_Format || category == QChar::Letter_Modifier ||
         category == QChar::Symbol_Modifier;
}

// A capital sigma that ends a word lower-cases to the final sigma (Unicode's Final_Sigma rule, which
// Python's str.lower and Rust's to_lowercase apply and QString::toLower does not).
void markFinalSigmas(std::u32string& text) {
  if (text.find(kCapitalSigma) == std::u32string::npos) return;
  // Whether a cased letter precedes / follows each position across case-ignorable characters, found
  // in two linear passes (a scan per sigma would be quadratic in a hostile run of sigmas and marks).
  const size_t size = text.size();
  std::vector<bool> casedBefore(size + 1, false), casedAfter(size + 1, false);
  for (size_t i = 0; i < size; ++i)
    casedBefore[i + 1] = isCaseIgnorable(text[i]) ? casedBefore[i] : isCased(text[i]);
  for (size_t i = size; i-- > 0;)
    casedAfter[i] = isCaseIgnorable(text[i]) ? casedAfter[i + 1] : isCased(text[i]);
  for (size_t i = 0; i < size; ++i)
    if (text[i] == kCapitalSigma && casedBefore[i] && !casedAfter[i + 1]) text[i] = kFinalSigma;
}

// Appends c's canonical decomposition without its nonspacing marks (NFD, then BERT's accent strip).
// The decomposition is applied per character, recursively; NFD's canonical reordering is skipped: it
// only reorders combining marks, which the strip removes, and Qt's QString::normalized does it in time
// that grows faster than quadratically with a run of marks (a hostile text of 64 K marks takes 20 s).
void appendWithoutAccents(char32_t c, std::u32string& out) {
  if (c >= 0xC0 && QChar::decompositionTag(c) == QChar::Canonical) {  // nothing below U+00C0 decomposes
    const QString parts = QChar::decomposition(c);
    forEachCodePoint(parts, [&](char32_t part) { appendWithoutAccents(part, out); });
  } else if (c < 0x300 || QChar::category(c) != QChar::Mark_NonSpacing) {
    out.push_back(c);
  }
}

// Lower-casing (Qt's full case mapping, plus the final sigma) and accent stripping of non-ASCII text.
std::u32string lowerAndStrip(std::u32string text, LetterCase letterCase, bool stripAccents) {
  if (letterCase == LetterCase::Lower) {
    markFinalSigmas(text);
    const QString lowered = QString::fromUcs4(text.data(), static_cast<qsizetype>(text.size())).toLower();
    text.clear();
    forEachCodePoint(lowered, [&](char32_t c) { text.push_back(c); });
  }
  if (!stripAccents) return text;
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) appendWithoutAccents(c, out);
  return out;
}

}  // namespace

bool BasicTokenizer::isWhitespace(char32_t c) {
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return true;
  if (c < 0x80) return false;
  return QChar::category(c) == QChar::Separator_Space;
}

bool BasicTokenizer::isControl(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  if (c < 0x80) return c < 0x20 || c == 0x7F;
  switch (QChar::category(c)) {
    case QChar::Other_Control:
    case QChar::Other_Format:
    case QChar::Other_Surrogate:
    case QChar::Other_PrivateUse:
    case QChar::Other_NotAssigned:
      return true;
    default:
      return false;
  }
}

bool BasicTokenizer::isPunctuation(char32_t c) {
  // Every ASCII character that is not a letter, digit or space counts, "$" and "+" included, though
  // Unicode files some of them as symbols.
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
    return true;
  if (c < 0x80) return false;
  switch (QChar::category(c)) {
    case QChar::Punctuation_Connector:
    case QChar::Punctuation_Dash:
    case QChar::Punctuation_Open:
    case QChar::Punctuation_Close:
    case QChar::Punctuation_InitialQuote:
    case QChar::Punctuation_FinalQuote:
    case QChar::Punctuation_Other:
      return true;
    default:
      return false;
  }
}

bool BasicTokenizer::isChineseCharacter(char32_t c) {
  // The CJK Unified Ideographs blocks BERT lists (Hangul, Hiragana and Katakana are not among them).
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

void BasicTokenizer::split(QStringView text, const std::function<bool(const std::string&)>& onWord) const {
  const bool clean = m_options.cleaning == TextCleaning::Clean;
  const bool splitChinese = m_options.chinese == ChineseCharacters::Split;
  const bool lower = m_options.letterCase == LetterCase::Lower;
  const bool strip = m_options.stripsAccents();

  // Text is handled one whitespace-separated token at a time, as BERT does (lower-casing, accents,
  // then punctuation), so that a caller who needs only the first words stops the work early.
  std::u32string token;
  bool tokenIsAscii = true;
  std::string word;
  bool stopped = false;
  auto finishWord = [&] {
    if (!word.empty() && !stopped) stopped = !onWord(word);
    word.clear();
  };
  auto finishToken = [&] {
    if (tokenIsAscii) {
      if (lower)
        for (char32_t& c : token)
          if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    } else if (lower || strip) {
      token = lowerAndStrip(std::move(token), m_options.letterCase, strip);
    }
    for (char32_t c : token) {
      if (separatesWords(c)) {
        finishWord();
      } else if (isPunctuation(c)) {
        finishWord();
        appendUtf8(word, c);
        finishWord();
      } else {
        appendUtf8(word, c);
      }
      if (stopped) break;
    }
    finishWord();
    token.clear();
    tokenIsAscii = true;
  };

  const qsizetype size = text.size();
  for (qsizetype i = 0; i < size && !stopped; ++i) {
    char32_t c = text[i].unicode();
    if (QChar::isHighSurrogate(c) && i + 1 < size && text[i + 1].isLowSurrogate())
      c = QChar::surrogateToUcs4(char16_t(c), text[++i].unicode());
    if (clean && (c == 0 || c == 0xFFFD || isControl(c))) continue;
    if ((clean && isWhitespace(c)) || separatesWords(c)) {
      finishToken();
    } else if (splitChinese && isChineseCharacter(c)) {
      finishToken();  // an ideograph is a token of its own, and normalised as one (F900-FAFF decompose)
      token.push_back(c);
      tokenIsAscii = false;
      finishToken();
    } else {
      tokenIsAscii = tokenIsAscii && c < 0x80;
      token.push_back(c);
    }
  }
  if (!stopped) finishToken();
}

std::vector<std::string> BasicTokenizer::split(QStringView text) const {
  std::vector<std::string> words;
  split(text, [&](const std::string& word) {
    words.push_back(word);
    return true;
  });
  return words;
}

}  // namespace attune
