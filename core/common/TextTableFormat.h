#pragma once
// The file formats a text table is read from. Header-only so that the project document can name a
// format without linking the readers.

#include <QFileInfo>
#include <QString>

#include <optional>

namespace attune {

enum class TextTableFormat {
  Csv,    // comma-separated, RFC 4180 quoting, a header row
  Tsv,    // tab-separated, same quoting rules, a header row
  Jsonl,  // one JSON object per line (also .ndjson)
  Json,   // one JSON array of objects
};

// The name written in project files and accepted on the command line: csv, tsv, jsonl, json.
inline QString toString(TextTableFormat format) {
  switch (format) {
    case TextTableFormat::Csv:
      return QStringLiteral("csv");
    case TextTableFormat::Tsv:
      return QStringLiteral("tsv");
    case TextTableFormat::Jsonl:
      return QStringLiteral("jsonl");
    case TextTableFormat::Json:
      return QStringLiteral("json");
  }
  return {};
}

inline std::optional<TextTableFormat> textTableFormatFromString(const QString& name) {
  for (auto format :
       {TextTableFormat::Csv, TextTableFormat::Tsv, TextTableFormat::Jsonl, TextTableFormat::Json})
    if (name.compare(toString(format), Qt::CaseInsensitive) == 0) return format;
  return std::nullopt;
}

// From the file name's extension: .csv, .tsv/.tab, .jsonl/.ndjson, .json (case-insensitive).
inline std::optional<TextTableFormat> textTableFormatForPath(const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix == QLatin1String("csv")) return TextTableFormat::Csv;
  if (suffix == QLatin1String("tsv") || suffix == QLatin1String("tab")) return TextTableFormat::Tsv;
  if (suffix == QLatin1String("jsonl") || suffix == QLatin1String("ndjson")) return TextTableFormat::Jsonl;
  if (suffix == QLatin1String("json")) return TextTableFormat::Json;
  return std::nullopt;
}

}  // namespace attune
