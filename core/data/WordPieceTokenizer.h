#pragma once
// BERT's WordPiece tokenizer: the basic tokenizer (BasicTokenizer.h) splits text into words, then each
// word is cut greedily into the longest vocabulary pieces, left to right, continuations carrying the
// "##" prefix; a word with no such cut, or longer than the per-word limit, becomes [UNK]. Behaves as
// Hugging Face's BertTokenizer / tokenizer.json (BertNormalizer + BertPreTokenizer + WordPiece) and
// Google's original BERT code. Files are read by WordPieceFiles.h.
// Known limits: no NFC step before cleaning (tokenizer.json and Google's code have none; recent
// versions of transformers' Python BertTokenizer add one, which matters only for decomposed text
// given to a cased model); added tokens are matched as written, without their lstrip/rstrip/
// single_word/normalized flags.
//
// Copies share the vocabulary (immutable), so a tokenizer is cheap to copy and safe to use from
// several threads at once.

#include "core/common/Result.h"
#include "core/data/BasicTokenizer.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <memory>
#include <vector>

namespace attune {

struct WordPieceOptions {
  BasicTokenizerOptions basic;
  QString unkToken = QStringLiteral("[UNK]");
  QString clsToken = QStringLiteral("[CLS]");
  QString sepToken = QStringLiteral("[SEP]");
  QString padToken = QStringLiteral("[PAD]");
  QString maskToken = QStringLiteral("[MASK]");  // optional: maskId() is -1 when the vocabulary lacks it
  QString continuationPrefix = QStringLiteral("##");
  int maxInputCharsPerWord = 100;  // a longer word (in code points) becomes [UNK]
  // Tokens found whole in the text before any normalisation and never split (case-sensitive, like
  // Hugging Face's special tokens). The five tokens above are always among them when in the vocabulary.
  QStringList wholeTokens;
};

// Encodings padded to the longest one, row-major: ids[row * columns + column]. int64 because that is
// what an embedding lookup takes.
struct PaddedBatch {
  int rows = 0;
  int columns = 0;
  std::vector<int64_t> ids;            // [PAD]'s id after each encoding's end
  std::vector<int64_t> attentionMask;  // 1 on real tokens, 0 on padding
};

class WordPieceTokenizer {
 public:
  // The vocabulary in id order (vocab.txt's lines). Errors: an empty or huge vocabulary, a repeated
  // token, a missing [UNK], [CLS], [SEP] or [PAD] (as named in the options), a bad option value.
  static Result<WordPieceTokenizer> fromTokens(const QStringList& tokens, WordPieceOptions options = {});

  // The word pieces of `text`, no [CLS]/[SEP], as the vocabulary spells them ("##ing"): for display.
  QStringList tokenize(const QString& text) const;
  // The ids of those pieces; at most maxTokens of them (negative: all).
  std::vector<int32_t> tokenIds(const QString& text, int maxTokens = -1) const;
  // [CLS] pieces… [SEP], the pieces cut so that the whole is at most maxLength ids (taken as 2 when
  // smaller: [CLS] [SEP] always stay).
  std::vector<int32_t> encode(const QString& text, int maxLength) const;
  // Pads encodings to the longest with [PAD]'s id and builds the attention mask.
  PaddedBatch padBatch(const std::vector<std::vector<int32_t>>& encodings) const;
  PaddedBatch encodeBatch(const QStringList& texts, int maxLength) const;

  int vocabSize() const;
  int32_t unkId() const;
  int32_t clsId() const;
  int32_t sepId() const;
  int32_t padId() const;
  int32_t maskId() const;                    // -1 when the vocabulary has no mask token
  int32_t idOf(const QString& token) const;  // -1 when absent
  QString tokenOf(int32_t id) const;         // empty when out of range
  const WordPieceOptions& options() const;

 private:
  struct Vocabulary;
  explicit WordPieceTokenizer(std::shared_ptr<const Vocabulary> vocabulary);
  void appendWordPieces(const std::string& word, std::vector<int32_t>& ids) const;
  void appendIds(QStringView text, size_t maxTokens, std::vector<int32_t>& ids) const;

  std::shared_ptr<const Vocabulary> m_vocab;
};

}  // namespace attune
