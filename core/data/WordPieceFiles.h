#pragma once
// Reading a WordPiece tokenizer from the files a BERT model comes with. Bad or hostile files are
// errors with plain messages, never crashes.

#include "core/common/Result.h"
#include "core/data/WordPieceTokenizer.h"

#include <QString>

namespace attune {

// A vocab.txt: one token per line, a token's id is its line number counted from 0 (a UTF-8 BOM and
// "\r" line ends are tolerated). The casing and accent options come from the caller.
Result<WordPieceTokenizer> loadWordPieceVocabTxt(const QString& path, WordPieceOptions options = {});

// A Hugging Face tokenizer.json whose model is "WordPiece": model.vocab, unk_token,
// continuing_subword_prefix, max_input_chars_per_word; the "BertNormalizer" flags (lowercase,
// strip_accents, clean_text, handle_chinese_chars; no normalizer means none of them); the
// [CLS]/[SEP] of the post-processor, the padding's pad token; added tokens, kept whole in the text.
Result<WordPieceTokenizer> loadWordPieceTokenizerJson(const QString& path);

// A model folder: tokenizer.json when present, else vocab.txt; tokenizer_config.json, when present,
// sets do_lower_case, strip_accents, tokenize_chinese_chars and the special tokens' names, as it
// does for Hugging Face's BertTokenizer(Fast). Without it the model is taken to be uncased.
Result<WordPieceTokenizer> loadWordPieceTokenizer(const QString& folder);

}  // namespace attune
