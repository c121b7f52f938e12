#pragma once
// The words of a pre-trained word-vector file (installer/convert_glove.py writes one: a safetensors
// file whose tensor "vectors" [words + 2, dims] holds padding, the unknown word, then one row per
// word; its metadata "attune.words" lists the words in row order) and the tokenizer that turns a
// text into those words' ids, the way GloVe 6B's corpus was tokenized (lower-cased, Stanford
// tokenizer-like: words, numbers and punctuation marks are separate tokens, "don't" is "do" + "n't").

#include "core/common/Result.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace attune {

struct SafetensorsContent;

// How many of a text's tokens have a pre-trained vector ("92% of your words have a pre-trained
// vector"). Accumulates over several texts.
struct WordCoverage {
  qint64 knownTokens = 0;
  qint64 totalTokens = 0;
  QHash<QString, qint64> unknownCounts;  // tokens without a vector, with how often they occurred

  // knownTokens / totalTokens; 0 when there were no tokens.
  double share() const;
  // The most frequent unknown tokens, most frequent first (ties alphabetical), at most `count`.
  QStringList mostFrequentUnknown(int count) const;
};

class WordVocabulary {
 public:
  static constexpr int64_t kPaddingId = 0;
  static constexpr int64_t kUnknownId = 1;
  static constexpr int64_t kFirstWordId = 2;
  static constexpr char kWordsKey[] = "attune.words";
  static constexpr char kSourceKey[] = "attune.source";
  static constexpr char kVectorsTensor[] = "vectors";

  // Reads a word-vector file; checks that its word list and its "vectors" tensor (2-d, F32,
  // words + 2 rows) agree.
  static Result<WordVocabulary> fromFile(const QString& path);
  static Result<WordVocabulary> fromContent(const SafetensorsContent& content, const QString& fileName);

  WordVocabulary() = default;
  // Words in row order: words[i] has id kFirstWordId + i. A repeated word keeps its first id.
  explicit WordVocabulary(QStringList words, QString source = {});

  const QStringList& words() const { return m_words; }
  // Rows of the vector table: the words plus padding and unknown.
  int64_t idCount() const { return m_words.size() + kFirstWordId; }
  // Where the vectors come from, with their licence (the file's "attune.source"); may be empty.
  const QString& source() const { return m_source; }

  // Lower-cased tokens of a text; vocabulary-independent.
  static QStringList tokenize(const QString& text);

  // The ids of a text's tokens, at most maxTokens of them (0: all). A token the vocabulary lacks
  // is looked up again in a few simpler forms (see encodeToken); failing those it is kUnknownId.
  // Coverage, when given, accumulates over all of the text's tokens, truncated or not.
  std::vector<int64_t> encode(const QString& text, int maxTokens, WordCoverage* coverage = nullptr) const;
  // The id of one exact token; kUnknownId when absent.
  int64_t idOf(const QString& token) const;

 private:
  void encodeToken(const QString& token, std::vector<int64_t>& ids) const;

  QStringList m_words;
  QString m_source;
  QHash<QString, int64_t> m_ids;
};

}  // namespace attune
