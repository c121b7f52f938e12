#include "core/weights/JsLiteral.h"

#include <cmath>
#include <cstdint>
#include <string>

namespace attune {
namespace {

using nlohmann::json;

// Deeper nesting than any model topology needs; it bounds the recursion on hostile input.
constexpr int kMaxDepth = 200;

// True if `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF),
// the only text nlohmann::json can write back out: a layer name with a stray byte would otherwise
// make every later dump() throw.
bool isUtf8(const std::string& text) {
  size_t at = 0;
  while (at < text.size()) {
    const auto lead = static_cast<unsigned char>(text[at]);
    if (lead < 0x80) {
      ++at;
      continue;
    }
    int length = 0;
    uint32_t code = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      code = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      code = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      code = lead & 0x07;
    } else {
      return false;
    }
    if (text.size() - at < size_t(length)) return false;
    for (int i = 1; i < length; ++i) {
      const auto next = static_cast<unsigned char>(text[at + size_t(i)]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if ((length == 3 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) ||
        (length == 4 && (code < 0x10000 || code > 0x10FFFF)))
      return false;
    at += size_t(length);
  }
  return true;
}

class Parser {
 public:
  Parser(const QByteArray& text, qsizetype offset) : m_text(text), m_pos(offset) {}

  Result<json> parse() {
    json value;
    if (!parseValue(value, 0)) return fail();
    return value;
  }
  qsizetype position() const { return m_pos; }

 private:
  const QByteArray& m_text;
  qsizetype m_pos;
  QString m_error;

  Error fail() const {
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("The model description is not a plain data literal (%1 at character %2).")
                     .arg(m_error)
                     .arg(m_pos),
                 QStringLiteral("Export the model again with the TF.js converter (model.json)."));
  }
  bool error(const char* what) {
    if (m_error.isEmpty()) m_error = QString::fromLatin1(what);
    return false;
  }
  bool atEnd() const { return m_pos >= m_text.size(); }
  char peek() const { return atEnd() ? '\0' : m_text[m_pos]; }
  void skipSpace() {
    while (!atEnd() && (peek() == ' ' || peek() == '\n' || peek() == '\r' || peek() == '\t')) ++m_pos;
  }
  static bool isIdentifierStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
  }
  static bool isIdentifierChar(char c) { return isIdentifierStart(c) || (c >= '0' && c <= '9'); }
  bool consumeWord(const char* word) {
    const qsizetype length = qsizetype(std::char_traits<char>::length(word));
    if (m_text.mid(m_pos, length) != word) return false;
    if (m_pos + length < m_text.size() && isIdentifierChar(m_text[m_pos + length])) return false;
    m_pos += length;
    return true;
  }

  bool parseValue(json& out, int depth) {
    if (depth > kMaxDepth) return error("nesting too deep");
    skipSpace();
    const char c = peek();
    if (c == '{') return parseObject(out, depth);
    if (c == '[') return parseArray(out, depth);
    if (c == '"' || c == '\'') {
      std::string s;
      if (!parseString(s)) return false;
      out = std::move(s);
      return true;
    }
    if (c == '!') {  // the minifier writes true as !0 and false as !1
      ++m_pos;
      if (peek() == '0' || peek() == '1') {
        out = peek() == '0';
        ++m_pos;
        return true;
      }
      return error("unsupported expression after '!'");
    }
    if (consumeWord("true")) return out = true, true;
    if (consumeWord("false")) return out = false, true;
    if (consumeWord("null")) return out = nullptr, true;
    if (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) return parseNumber(out);
    return error("unexpected character");
  }

  bool parseNumber(json& out) {
    const qsizetype start = m_pos;
    if (peek() == '-' || peek() == '+') ++m_pos;
    bool integral = true;
    bool digits = false;
    while (peek() >= '0' && peek() <= '9') ++m_pos, digits = true;
    if (peek() == '.') {
      integral = false;
      ++m_pos;
      while (peek() >= '0' && peek() <= '9') ++m_pos, digits = true;
    }
    if (!digits) return error("malformed number");
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      ++m_pos;
      if (peek() == '-' || peek() == '+') ++m_pos;
      if (!(peek() >= '0' && peek() <= '9')) return error("malformed number");
      while (peek() >= '0' && peek() <= '9') ++m_pos;
    }
    if (isIdentifierChar(peek())) return error("malformed number");
    const std::string text = m_text.mid(start, m_pos - start).toStdString();
    if (integral && text.size() < 18) {
      out = std::stoll(text);
      return true;
    }
    const double value = std::strtod(text.c_str(), nullptr);
    if (!std::isfinite(value)) return error("number out of range");
    out = value;
    return true;
  }

  static int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool parseHex(int count, uint32_t& value) {
    value = 0;
    for (int i = 0; i < count; ++i) {
      const int digit = hexValue(peek());
      if (digit < 0) return error("malformed escape");
      value = value * 16 + uint32_t(digit);
      ++m_pos;
    }
    return true;
  }
  static void appendUtf8(std::string& s, uint32_t code) {
    if (code < 0x80) {
      s += char(code);
    } else if (code < 0x800) {
      s += char(0xC0 | (code >> 6));
      s += char(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      s += char(0xE0 | (code >> 12));
      s += char(0x80 | ((code >> 6) & 0x3F));
      s += char(0x80 | (code & 0x3F));
    } else {
      s += char(0xF0 | (code >> 18));
      s += char(0x80 | ((code >> 12) & 0x3F));
      s += char(0x80 | ((code >> 6) & 0x3F));
      s += char(0x80 | (code & 0x3F));
    }
  }

  bool parseString(std::string& out) {
    const char quote = peek();
    ++m_pos;
    const qsizetype runStart = m_pos;
    // Fast path for long runs without escapes (base64 shards are megabytes long).
    while (!atEnd() && peek() != quote && peek() != '\\' && peek() != '\n') ++m_pos;
    out.assign(m_text.constData() + runStart, size_t(m_pos - runStart));
    while (true) {
      if (atEnd() || peek() == '\n') return error("unterminated string");
      const char c = peek();
      ++m_pos;
      if (c == quote) return isUtf8(out) || error("text that is not UTF-8");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (atEnd()) return error("unterminated string");
      const char e = peek();
      ++m_pos;
      uint32_t code = 0;
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'v':
          out += '\v';
          break;
        case '0':
          out += '\0';
          break;
        case 'x':
          if (!parseHex(2, code)) return false;
          appendUtf8(out, code);
          break;
        case 'u':
          if (!parseHex(4, code)) return false;
          if (code >= 0xD800 && code <= 0xDFFF) code = 0xFFFD;  // no surrogate pairs in model files
          appendUtf8(out, code);
          break;
        case '\n':
          break;  // line continuation
        default:
          out += e;
      }
    }
  }

  bool parseKey(std::string& key) {
    skipSpace();
    const char c = peek();
    if (c == '"' || c == '\'') return parseString(key);
    if (isIdentifierStart(c) || (c >= '0' && c <= '9')) {
      const qsizetype start = m_pos;
      while (isIdentifierChar(peek())) ++m_pos;
      key = m_text.mid(start, m_pos - start).toStdString();
      return true;
    }
    return error("expected a key");
  }

  bool parseObject(json& out, int depth) {
    ++m_pos;
    out = json::object();
    skipSpace();
    if (peek() == '}') return ++m_pos, true;
    while (true) {
      std::string key;
      if (!parseKey(key)) return false;
      skipSpace();
      if (peek() != ':') return error("expected ':'");
      ++m_pos;
      if (out.contains(key)) return error("duplicate key");
      json value;
      if (!parseValue(value, depth + 1)) return false;
      out[key] = std::move(value);
      skipSpace();
      if (peek() == ',') {
        ++m_pos;
        skipSpace();
        if (peek() == '}') return ++m_pos, true;  // trailing comma
        continue;
      }
      if (peek() == '}') return ++m_pos, true;
      return error("expected ',' or '}'");
    }
  }

  bool parseArray(json& out, int depth) {
    ++m_pos;
    out = json::array();
    skipSpace();
    if (peek() == ']') return ++m_pos, true;
    while (true) {
      json value;
      if (!parseValue(value, depth + 1)) return false;
      out.push_back(std::move(value));
      skipSpace();
      if (peek() == ',') {
        ++m_pos;
        skipSpace();
        if (peek() == ']') return ++m_pos, true;
        continue;
      }
      if (peek() == ']') return ++m_pos, true;
      return error("expected ',' or ']'");
    }
  }
};

}  // namespace

Result<nlohmann::json> parseJsLiteral(const QByteArray& text, qsizetype& offset) {
  Parser parser(text, offset);
  auto value = parser.parse();
  if (value) offset = parser.position();
  return value;
}

Result<nlohmann::json> parseJsExports(const QByteArray& text) {
  qsizetype start = 0;
  while (start < text.size() && QByteArray(" \t\r\n").contains(text[start])) ++start;
  if (start < text.size() && text[start] != '{' && text[start] != '[') {
    // A CommonJS wrapper: the first `exports = <literal>`.
    start = -1;
    for (qsizetype at = text.indexOf("exports"); at >= 0; at = text.indexOf("exports", at + 1)) {
      qsizetype p = at + 7;
      while (p < text.size() && text[p] == ' ') ++p;
      if (p >= text.size() || text[p] != '=') continue;
      ++p;
      while (p < text.size() && text[p] == ' ') ++p;
      if (p < text.size() && QByteArray("{[\"'").contains(text[p])) {
        start = p;
        break;
      }
    }
    if (start < 0)
      return Error(ErrorCode::BadFormat,
                   QStringLiteral("The file holds neither JSON nor a `module.exports = ...` data literal."),
                   QStringLiteral("Give the model.json of a TF.js layers model, or nsfwjs's model.min.js."));
  }
  return parseJsLiteral(text, start);
}

}  // namespace attune
