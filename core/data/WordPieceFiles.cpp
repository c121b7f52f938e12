#include "core/data/WordPieceFiles.h"

#include "core/common/BoundedJson.h"
#include "core/common/FileRead.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStringDecoder>

#include <optional>

namespace attune {

namespace {

using nlohmann::json;

constexpr qint64 kMaxVocabTxtBytes = 32LL << 20;        // bert-base's is 0.2 MB, multilingual ones ~1 MB
constexpr qint64 kMaxTokenizerJsonBytes = 64LL << 20;   // bert-base's is 0.5 MB
constexpr qint64 kMaxTokenizerConfigBytes = 1LL << 20;  // a few flags
// tokenizer.json nests 5 levels deep (normalizer sequences a few more): a hostile file of 64 MB of
// '[' is refused after this many instead of becoming millions of nested values.
constexpr int kMaxJsonDepth = 32;

const QString kFileHint = QStringLiteral("Use the tokenizer files that came with the model, unchanged.");

Result<QByteArray> readSmallFile(const QString& path, qint64 maxBytes) {
  auto bytes = readRegularFile(path, maxBytes, QStringLiteral("the tokenizer file"));
  if (!bytes && bytes.error().code == ErrorCode::BadFormat)  // larger than a tokenizer can be
    return Error(ErrorCode::BadFormat, bytes.error().message, kFileHint);
  return bytes;
}

Result<json> readJsonObject(const QString& path, qint64 maxBytes) {
  auto bytes = readSmallFile(path, maxBytes);
  if (!bytes) return bytes.error();
  BoundedJson parsed =
      parseBoundedJson(bytes->constData(), bytes->constData() + bytes->size(), kMaxJsonDepth);
  if (parsed.failure == BoundedJson::Failure::TooDeep)
    return Error(
        ErrorCode::BadFormat,
        QStringLiteral("The tokenizer file %1 nests its values more than %2 levels deep; no tokenizer "
                       "does.")
            .arg(path)
            .arg(kMaxJsonDepth),
        kFileHint);
  json root = std::move(parsed.value);
  if (root.is_discarded() || !root.is_object())
    return Error(ErrorCode::BadFormat, QStringLiteral("The tokenizer file %1 is not valid JSON.").arg(path),
                 kFileHint);
  return root;
}

Error fieldError(const QString& path, const QString& what) {
  return Error(ErrorCode::BadFormat,
               QStringLiteral("The tokenizer file %1 is not as expected: %2.").arg(path, what), kFileHint);
}

QString text(const json& value) {
  return QString::fromStdString(value.get<std::string>());
}

// A special token's name: "[UNK]" or, in newer files, {"content": "[UNK]", ...}.
std::optional<QString> tokenName(const json& value) {
  if (value.is_string()) return text(value);
  if (value.is_object() && value.contains("content") && value["content"].is_string())
    return text(value["content"]);
  return std::nullopt;
}

// The casing flags of tokenizer_config.json (and tokenizer.json's BertNormalizer) onto the options.
Status applyFlag(const json& object, const char* key, const QString& path, std::optional<bool>& out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_boolean()) return fieldError(path, QStringLiteral("\"%1\" must be true or false").arg(key));
  out = it->get<bool>();
  return {};
}

Status applyTokenizerConfig(const QString& path, WordPieceOptions& options) {
  auto config = readJsonObject(path, kMaxTokenizerConfigBytes);
  if (!config) return config.error();
  std::optional<bool> lower, strip, chinese;
  for (auto [key, flag] : {std::pair{"do_lower_case", &lower}, std::pair{"strip_accents", &strip},
                           std::pair{"tokenize_chinese_chars", &chinese}})
    if (auto status = applyFlag(*config, key, path, *flag); !status) return status;
  if (lower) options.basic.letterCase = *lower ? LetterCase::Lower : LetterCase::Keep;
  if (config->contains("strip_accents"))
    options.basic.accents = !strip   ? AccentHandling::Default
                            : *strip ? AccentHandling::Strip
                                     : AccentHandling::Keep;
  if (chinese) options.basic.chinese = *chinese ? ChineseCharacters::Split : ChineseCharacters::Keep;
  for (auto [key, name] :
       {std::pair{"unk_token", &options.unkToken}, std::pair{"cls_token", &options.clsToken},
        std::pair{"sep_token", &options.sepToken}, std::pair{"pad_token", &options.padToken},
        std::pair{"mask_token", &options.maskToken}})
    if (auto it = config->find(key); it != config->end() && !it->is_null()) {
      auto value = tokenName(*it);
      if (!value) return fieldError(path, QStringLiteral("\"%1\" must be a token").arg(key));
      *name = *value;
    }
  return {};
}

Status readNormalizer(const json& root, const QString& path, BasicTokenizerOptions& basic) {
  auto it = root.find("normalizer");
  if (it == root.end() || it->is_null()) {  // no normalizer: the text reaches the pre-tokenizer as it is
    basic = {LetterCase::Keep, AccentHandling::Keep, ChineseCharacters::Keep, TextCleaning::Keep};
    return {};
  }
  const json& normalizer = *it;
  if (!normalizer.is_object() || normalizer.value("type", json()) != "BertNormalizer")
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("The tokenizer file %1 prepares text in a way other than BERT's "
                                "(its normalizer is not \"BertNormalizer\"), which Attune does not support.")
                     .arg(path),
                 QStringLiteral("Use a BERT-family model, or its vocab.txt."));
  std::optional<bool> lower, strip, clean, chinese;
  for (auto [key, flag] : {std::pair{"lowercase", &lower}, std::pair{"strip_accents", &strip},
                           std::pair{"clean_text", &clean}, std::pair{"handle_chinese_chars", &chinese}})
    if (auto status = applyFlag(normalizer, key, path, *flag); !status) return status;
  basic.letterCase = lower.value_or(true) ? LetterCase::Lower : LetterCase::Keep;
  basic.accents = !strip ? AccentHandling::Default : *strip ? AccentHandling::Strip : AccentHandling::Keep;
  basic.cleaning = clean.value_or(true) ? TextCleaning::Clean : TextCleaning::Keep;
  basic.chinese = chinese.value_or(true) ? ChineseCharacters::Split : ChineseCharacters::Keep;
  return {};
}

// [CLS] and [SEP] as the post-processor names them (TemplateProcessing or BertProcessing).
void readSpecialNames(const json& root, WordPieceOptions& options) {
  const json& post = root.value("post_processor", json());
  if (post.is_object() && post.contains("cls") && post["cls"].is_array() && !post["cls"].empty() &&
      post["cls"][0].is_string() && post.contains("sep") && post["sep"].is_array() && !post["sep"].empty() &&
      post["sep"][0].is_string()) {
    options.clsToken = text(post["cls"][0]);
    options.sepToken = text(post["sep"][0]);
  } else if (post.is_object() && post.contains("single") && post["single"].is_array()) {
    bool beforeSequence = true;
    for (const json& piece : post["single"]) {
      if (!piece.is_object()) continue;
      if (piece.contains("Sequence")) beforeSequence = false;
      if (auto special = piece.find("SpecialToken"); special != piece.end() && special->is_object() &&
                                                     special->contains("id") && (*special)["id"].is_string())
        (beforeSequence ? options.clsToken : options.sepToken) = text((*special)["id"]);
    }
  }
  const json& padding = root.value("padding", json());
  if (padding.is_object() && padding.contains("pad_token") && padding["pad_token"].is_string())
    options.padToken = text(padding["pad_token"]);
}

Result<WordPieceTokenizer> loadTokenizerJson(const QString& path, const QString& configPath) {
  auto root = readJsonObject(path, kMaxTokenizerJsonBytes);
  if (!root) return root.error();
  const auto modelIt = root->find("model");  // found, not copied: it holds the whole vocabulary
  if (modelIt == root->end() || !modelIt->is_object() || !modelIt->contains("vocab") ||
      !(*modelIt)["vocab"].is_object())
    return fieldError(path, QStringLiteral("it has no model vocabulary"));
  const json& model = *modelIt;
  if (model.contains("type") && model["type"] != "WordPiece")
    return Error(
        ErrorCode::BadFormat,
        QStringLiteral("The tokenizer file %1 describes a %2 tokenizer; BERT models use WordPiece.")
            .arg(path, model["type"].is_string() ? text(model["type"]) : QStringLiteral("different")),
        QStringLiteral("Use a BERT-family model."));
  const json& pre = root->value("pre_tokenizer", json());
  if (!pre.is_object() || pre.value("type", json()) != "BertPreTokenizer")
    return Error(
        ErrorCode::BadFormat,
        QStringLiteral("The tokenizer file %1 splits text into words in a way other than BERT's "
                       "(its pre_tokenizer is not \"BertPreTokenizer\"), which Attune does not support.")
            .arg(path),
        QStringLiteral("Use a BERT-family model, or its vocab.txt."));

  WordPieceOptions options;
  if (auto status = readNormalizer(*root, path, options.basic); !status) return status.error();
  if (auto unk = model.find("unk_token"); unk != model.end() && !unk->is_null()) {
    if (!unk->is_string()) return fieldError(path, QStringLiteral("model.unk_token must be a token"));
    options.unkToken = text(*unk);
  }
  if (auto prefix = model.find("continuing_subword_prefix"); prefix != model.end() && !prefix->is_null()) {
    if (!prefix->is_string())
      return fieldError(path, QStringLiteral("model.continuing_subword_prefix must be text"));
    options.continuationPrefix = text(*prefix);
  }
  if (auto limit = model.find("max_input_chars_per_word"); limit != model.end() && !limit->is_null()) {
    if (!limit->is_number_unsigned() || limit->get<uint64_t>() > 1'000'000)
      return fieldError(path, QStringLiteral("model.max_input_chars_per_word must be a whole number"));
    options.maxInputCharsPerWord = static_cast<int>(limit->get<uint64_t>());
  }
  readSpecialNames(*root, options);

  // Tokens by id; an id may be left unused (an empty entry) but not given twice.
  QStringList tokens;
  constexpr uint64_t kMaxId = 2'000'000;
  auto place = [&](const QString& token, const json& id) -> Status {
    if (!id.is_number_unsigned() || id.get<uint64_t>() >= kMaxId)
      return fieldError(path, QStringLiteral("the id of \"%1\" is not a valid token number").arg(token));
    const auto index = static_cast<qsizetype>(id.get<uint64_t>());
    if (index >= tokens.size()) tokens.resize(index + 1);
    if (!tokens[index].isEmpty() && tokens[index] != token)
      return fieldError(
          path, QStringLiteral("\"%1\" and \"%2\" have the same id %3").arg(tokens[index], token).arg(index));
    tokens[index] = token;
    return {};
  };
  for (const auto& [token, id] : model["vocab"].items())
    if (auto status = place(QString::fromStdString(token), id); !status) return status.error();
  const json& added = root->value("added_tokens", json::array());
  if (!added.is_array()) return fieldError(path, QStringLiteral("added_tokens must be a list"));
  for (const json& token : added) {
    if (!token.is_object() || !token.contains("content") || !token["content"].is_string() ||
        !token.contains("id"))
      return fieldError(path, QStringLiteral("an added token has no content or id"));
    if (auto status = place(text(token["content"]), token["id"]); !status) return status.error();
    options.wholeTokens << text(token["content"]);
  }
  if (!configPath.isEmpty())
    if (auto status = applyTokenizerConfig(configPath, options); !status) return status.error();
  return WordPieceTokenizer::fromTokens(tokens, std::move(options));
}

}  // namespace

Result<WordPieceTokenizer> loadWordPieceVocabTxt(const QString& path, WordPieceOptions options) {
  auto bytes = readSmallFile(path, kMaxVocabTxtBytes);
  if (!bytes) return bytes.error();
  QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
  QString content = decoder(*bytes);
  if (decoder.hasError())
    return Error(ErrorCode::BadFormat, QStringLiteral("The vocabulary file %1 is not UTF-8 text.").arg(path),
                 kFileHint);
  if (content.startsWith(QChar(0xFEFF))) content.remove(0, 1);
  QStringList tokens = content.split(QLatin1Char('\n'));
  if (!tokens.isEmpty() && tokens.last().isEmpty()) tokens.removeLast();  // the final line's end
  for (QString& token : tokens)
    if (token.endsWith(QLatin1Char('\r'))) token.chop(1);
  return WordPieceTokenizer::fromTokens(tokens, std::move(options));
}

Result<WordPieceTokenizer> loadWordPieceTokenizerJson(const QString& path) {
  return loadTokenizerJson(path, {});
}

Result<WordPieceTokenizer> loadWordPieceTokenizer(const QString& folder) {
  const QDir dir(folder);
  const QString config = dir.filePath(QStringLiteral("tokenizer_config.json"));
  const QString configIfAny = QFileInfo::exists(config) ? config : QString();
  if (const QString json = dir.filePath(QStringLiteral("tokenizer.json")); QFileInfo::exists(json))
    return loadTokenizerJson(json, configIfAny);
  const QString vocab = dir.filePath(QStringLiteral("vocab.txt"));
  if (!QFileInfo::exists(vocab))
    return Error(
        ErrorCode::FileNotFound,
        QStringLiteral("The model folder %1 has no tokenizer (tokenizer.json or vocab.txt).").arg(folder),
        QStringLiteral("Copy the model's tokenizer files into the folder, or download the model again."));
  WordPieceOptions options;  // BertTokenizer's defaults: uncased, accents stripped, CJK split
  if (!configIfAny.isEmpty())
    if (auto status = applyTokenizerConfig(configIfAny, options); !status) return status.error();
  return loadWordPieceVocabTxt(vocab, std::move(options));
}

}  // namespace attune
