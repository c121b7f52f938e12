#pragma once
// BERT's basic tokenizer (Google's BasicTokenizer; Hugging Face's BertNormalizer + BertPreTokenizer):
// text cleaning, CJK ideographs split, lower-casing, accent stripping, then a split on whitespace and
// punctuation into words, which WordPiece then cuts into vocabulary pieces.

#include <QStringView>

#include <functional>
#include <string>
#include <vector>

namespace attune {

enum class LetterCase { Lower, Keep };  // Lower: an "uncased" model
// Default follows BERT: accents are stripped exactly when the text is lower-cased.
enum class AccentHandling { Default, Strip, Keep };
enum class ChineseCharacters { Split, Keep };  // Split: each CJK ideograph is a word of its own
// Clean: control characters, U+0000 and U+FFFD removed, every whitespace character becomes a space.
enum class TextCleaning { Clean, Keep };

struct BasicTokenizerOptions {
  LetterCase letterCase = LetterCase::Lower;
  AccentHandling accents = AccentHandling::Default;
  ChineseCharacters chinese = ChineseCharacters::Split;
  TextCleaning cleaning = TextCleaning::Clean;

  bool stripsAccents() const {
    return accents == AccentHandling::Strip ||
           (accents == AccentHandling::Default && letterCase == LetterCase::Lower);
  }
};

class BasicTokenizer {
 public:
  explicit BasicTokenizer(BasicTokenizerOptions options = {}) : m_options(options) {}

  // Calls onWord with each word of `text` in turn, UTF-8 encoded (the vocabulary's key form), until it
  // returns false.
  void split(QStringView text, const std::function<bool(const std::string& word)>& onWord) const;
  std::vector<std::string> split(QStringView text) const;

  const BasicTokenizerOptions& options() const { return m_options; }

  // BERT's character classes, by code point.
  static bool isWhitespace(char32_t c);
  static bool isControl(char32_t c);
  static bool isPunctuation(char32_t c);
  static bool isChineseCharacter(char32_t c);

 private:
  BasicTokenizerOptions m_options;
};

}  // namespace attune
