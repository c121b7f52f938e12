#include "core/data/WordPieceTokenizer.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace attune {

namespace {

constexpr int kMaxVocabularySize = 2'000'000;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
using PieceMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

int codePointCount(std::string_view utf8) {
  return static_cast<int>(std::count_if(
      utf8.begin(), utf8.end(), [](char byte) { return (static_cast<unsigned char>(byte) & 0xC0) != 0x80; }));
}

Error vocabularyError(const QString& message) {
  return Error(ErrorCode::BadFormat, message,
               QStringLiteral("Use the vocab.txt or tokenizer.json that came with the model, unchanged."));
}

}  // namespace

struct WordPieceTokenizer::Vocabulary {
  WordPieceOptions options;
  BasicTokenizer basic;
  std::vector<std::string> tokens;  // by id, UTF-8
  PieceMap ids;                     // every token, as spelled: the pieces that start a word
  PieceMap continuations;           // the tokens that carry the continuation prefix, without it
  int maxPieceChars = 0;            // the longest token, in code points: no longer piece can match
  std::vector<std::pair<QString, int32_t>> wholeTokens;  // longest first
  QString wholeTokenStarts;  // their first characters, to skip the search at other positions
  int32_t unk = -1, cls = -1, sep = -1, pad = -1, mask = -1;
};

WordPieceTokenizer::WordPieceTokenizer(std::shared_ptr<const Vocabulary> vocabulary)
    : m_vocab(std::move(vocabulary)) {}

Result<WordPieceTokenizer> WordPieceTokenizer::fromTokens(const QStringList& tokens,
                                                          WordPieceOptions options) {
  if (tokens.isEmpty()) return vocabularyError(QStringLiteral("The tokenizer's vocabulary is empty."));
  if (tokens.size() > kMaxVocabularySize)
    return vocabularyError(
        QStringLiteral("The tokenizer's vocabulary has %1 entries; Attune accepts at most %2.")
            .arg(tokens.size())
            .arg(kMaxVocabularySize));
  if (options.maxInputCharsPerWord < 1)
    return vocabularyError(QStringLiteral("The tokenizer's longest word (max_input_chars_per_word) must be "
                                          "at least one character, not %1.")
                               .arg(options.maxInputCharsPerWord));

  auto vocab = std::make_shared<Vocabulary>();
  vocab->basic = BasicTokenizer(options.basic);
  vocab->tokens.reserve(static_cast<size_t>(tokens.size()));
  vocab->ids.reserve(static_cast<size_t>(tokens.size()));
  const std::string prefix = options.continuationPrefix.toStdString();
  for (qsizetype index = 0; index < tokens.size(); ++index) {
    std::string token = tokens[index].toStdString();
    vocab->tokens.push_back(token);
    // An empty entry keeps the ids of the entries after it but can never match a piece of text.
    if (token.empty()) continue;
    const int32_t id = static_cast<int32_t>(index);
    auto [it, inserted] = vocab->ids.emplace(token, id);
    if (!inserted)
      return vocabularyError(
          QStringLiteral("The tokenizer's vocabulary lists \"%1\" twice (entries %2 and %3).")
              .arg(tokens[index])
              .arg(it->second + 1)
              .arg(index + 1));
    if (token.size() > prefix.size() && token.starts_with(prefix))
      vocab->continuations.emplace(token.substr(prefix.size()), id);
    vocab->maxPieceChars = std::max(vocab->maxPieceChars, codePointCount(token));
  }

  auto idOf = [&](const QString& token) {
    auto it = vocab->ids.find(token.toStdString());
    return it == vocab->ids.end() ? -1 : it->second;
  };
  const std::pair<const QString*, int32_t*> required[] = {{&options.unkToken, &vocab->unk},
                                                          {&options.clsToken, &vocab->cls},
                                                          {&options.sepToken, &vocab->sep},
                                                          {&options.padToken, &vocab->pad}};
  for (const auto& [name, id] : required) {
    *id = idOf(*name);
    if (*id < 0)
      return vocabularyError(
          QStringLiteral("The tokenizer's vocabulary has no \"%1\" token, which BERT models need.")
              .arg(*name));
  }
  vocab->mask = idOf(options.maskToken);

  QStringList whole = options.wholeTokens;
  whole << options.unkToken << options.clsToken << options.sepToken << options.padToken << options.maskToken;
  whole.removeDuplicates();
  for (const QString& token : whole)
    if (const int32_t id = idOf(token); id >= 0 && !token.isEmpty())
      vocab->wholeTokens.emplace_back(token, id);
  std::sort(vocab->wholeTokens.begin(), vocab->wholeTokens.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& token : vocab->wholeTokens)
    if (!vocab->wholeTokenStarts.contains(token.first[0])) vocab->wholeTokenStarts.append(token.first[0]);

  vocab->options = std::move(options);
  return WordPieceTokenizer(std::move(vocab));
}

void WordPieceTokenizer::appendWordPieces(const std::string& word, std::vector<int32_t>& ids) const {
  const Vocabulary& vocab = *m_vocab;
  // Byte offset of each code point, then the end.
  std::vector<size_t> starts;
  starts.reserve(word.size() + 1);
  for (size_t i = 0; i < word.size(); ++i)
    if ((static_cast<unsigned char>(word[i]) & 0xC0) != 0x80) starts.push_back(i);
  const size_t chars = starts.size();
  starts.push_back(word.size());
  if (chars > static_cast<size_t>(vocab.options.maxInputCharsPerWord)) {
    ids.push_back(vocab.unk);
    return;
  }

  const size_t firstPiece = ids.size();
  size_t start = 0;
  while (start < chars) {
    const PieceMap& pieces = start == 0 ? vocab.ids : vocab.continuations;
    size_t end = std::min(chars, start + static_cast<size_t>(vocab.maxPieceChars));
    int32_t found = -1;
    for (; end > start; --end) {
      auto it = pieces.find(std::string_view(word).substr(starts[start], starts[end] - starts[start]));
      if (it != pieces.end()) {
        found = it->second;
        break;
      }
    }
    if (found < 0) {  // no cut of the whole word: the word is unknown, not its remainder
      ids.resize(firstPiece);
      ids.push_back(vocab.unk);
      return;
    }
    ids.push_back(found);
    start = end;
  }
}

void WordPieceTokenizer::appendIds(QStringView text, size_t maxTokens, std::vector<int32_t>& ids) const {
  const Vocabulary& vocab = *m_vocab;
  auto appendSegment = [&](QStringView segment) {
    vocab.basic.split(segment, [&](const std::string& word) {
      appendWordPieces(word, ids);
      return ids.size() < maxTokens;
    });
  };

  // Special tokens are found in the raw text first, so that "[SEP]" is not split as punctuation.
  qsizetype segmentStart = 0;
  for (qsizetype i = 0; i < text.size() && ids.size() < maxTokens;) {
    if (!vocab.wholeTokenStarts.contains(text[i])) {
      ++i;
      continue;
    }
    const auto whole =
        std::find_if(vocab.wholeTokens.begin(), vocab.wholeTokens.end(),
                     [&](const auto& token) { return text.sliced(i).startsWith(token.first); });
    if (whole == vocab.wholeTokens.end()) {
      ++i;
      continue;
    }
    appendSegment(text.sliced(segmentStart, i - segmentStart));
    if (ids.size() < maxTokens) ids.push_back(whole->second);
    i += whole->first.size();
    segmentStart = i;
  }
  if (ids.size() < maxTokens) appendSegment(text.sliced(segmentStart));
  if (ids.size() > maxTokens) ids.resize(maxTokens);
}

std::vector<int32_t> WordPieceTokenizer::tokenIds(const QString& text, int maxTokens) const {
  std::vector<int32_t> ids;
  appendIds(text, maxTokens < 0 ? SIZE_MAX : static_cast<size_t>(maxTokens), ids);
  return ids;
}

QStringList WordPieceTokenizer::tokenize(const QString& text) const {
  QStringList pieces;
  for (int32_t id : tokenIds(text)) pieces << tokenOf(id);
  return pieces;
}

std::vector<int32_t> WordPieceTokenizer::encode(const QString& text, int maxLength) const {
  const size_t total = static_cast<size_t>(std::max(maxLength, 2));
  std::vector<int32_t> ids;
  ids.reserve(std::min<size_t>(total, static_cast<size_t>(text.size()) + 2));
  ids.push_back(m_vocab->cls);
  appendIds(text, total - 1, ids);  // the first id is [CLS]; room is left for [SEP]
  ids.push_back(m_vocab->sep);
  return ids;
}

PaddedBatch WordPieceTokenizer::padBatch(const std::vector<std::vector<int32_t>>& encodings) const {
  PaddedBatch batch;
  batch.rows = static_cast<int>(encodings.size());
  for (const auto& encoding : encodings)
    batch.columns = std::max(batch.columns, static_cast<int>(encoding.size()));
  const size_t cells = static_cast<size_t>(batch.rows) * static_cast<size_t>(batch.columns);
  batch.ids.assign(cells, m_vocab->pad);
  batch.attentionMask.assign(cells, 0);
  for (size_t row = 0; row < encodings.size(); ++row) {
    const size_t offset = row * static_cast<size_t>(batch.columns);
    std::copy(encodings[row].begin(), encodings[row].end(),
              batch.ids.begin() + static_cast<ptrdiff_t>(offset));
    std::fill_n(batch.attentionMask.begin() + static_cast<ptrdiff_t>(offset), encodings[row].size(), 1);
  }
  return batch;
}

PaddedBatch WordPieceTokenizer::encodeBatch(const QStringList& texts, int maxLength) const {
  std::vector<std::vector<int32_t>> encodings;
  encodings.reserve(static_cast<size_t>(texts.size()));
  for (const QString& text : texts) encodings.push_back(encode(text, maxLength));
  return padBatch(encodings);
}

int WordPieceTokenizer::vocabSize() const {
  return static_cast<int>(m_vocab->tokens.size());
}
int32_t WordPieceTokenizer::unkId() const {
  return m_vocab->unk;
}
int32_t WordPieceTokenizer::clsId() const {
  return m_vocab->cls;
}
int32_t WordPieceTokenizer::sepId() const {
  return m_vocab->sep;
}
int32_t WordPieceTokenizer::padId() const {
  return m_vocab->pad;
}
int32_t WordPieceTokenizer::maskId() const {
  return m_vocab->mask;
}
const WordPieceOptions& WordPieceTokenizer::options() const {
  return m_vocab->options;
}

int32_t WordPieceTokenizer::idOf(const QString& token) const {
  auto it = m_vocab->ids.find(token.toStdString());
  return it == m_vocab->ids.end() ? -1 : it->second;
}

QString WordPieceTokenizer::tokenOf(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= m_vocab->tokens.size()) return {};
  return QString::fromStdString(m_vocab->tokens[static_cast<size_t>(id)]);
}

}  // namespace attune
