#include "core/project/ProjectFile.h"
#include "core/common/BoundedJson.h"

#include "core/common/AtomicFile.h"
#include "core/common/FileRead.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>

namespace attune {
namespace {

// Nesting these documents never need (they are a few levels deep): deeper text is refused unread.
constexpr int kMaxJsonDepth = 64;

using nlohmann::json;

// Version 1 -> 2: the flat data keys moved into a "data" object.
json migrateV1ToV2(json document) {
  json data = json::object();
  if (document.contains("data_folder")) data["folder"] = document["data_folder"];
  if (document.contains("val_fraction")) data["val_fraction"] = document["val_fraction"];
  if (document.contains("split_seed")) data["split_seed"] = document["split_seed"];
  document.erase("data_folder");
  document.erase("val_fraction");
  document.erase("split_seed");
  document["data"] = data;
  document["format_version"] = 2;
  return document;
}

QString backupPathFor(const QString& path, int version) {
  QString candidate = path + QStringLiteral(".v%1.bak").arg(version);
  for (int n = 2; QFileInfo::exists(candidate); ++n)
    candidate = path + QStringLiteral(".v%1.%2.bak").arg(version).arg(n);
  return candidate;
}

}  // namespace

namespace {

// The document's format_version as written, without truncation (a value above 2^31 must not wrap
// round to a version this Attune reads); nullopt when there is none or it is not a whole number.
std::optional<int64_t> formatVersionOf(const json& document) {
  if (!document.is_object()) return std::nullopt;
  const auto it = document.find("format_version");
  if (it == document.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned())
    return int64_t(std::min<uint64_t>(it->get<uint64_t>(), uint64_t(std::numeric_limits<int64_t>::max())));
  return it->get<int64_t>();
}

}  // namespace

Result<json> ProjectFile::migrate(json document) {
  if (!document.is_object())
    return Error(ErrorCode::BadFormat, QStringLiteral("The project file is not a JSON object."));
  const std::optional<int64_t> found = formatVersionOf(document);
  if (!found)
    return Error(ErrorCode::BadFormat,
                 QStringLiteral("The file has no format_version: it is not an Attune project."),
                 QStringLiteral("Open a .attune file made by Attune, or create a new project."));
  const int64_t version = *found;
  if (version > Project::kFormatVersion)
    return Error(
        ErrorCode::NewerFormat,
        QStringLiteral("This project was saved by a newer version of Attune (file format %1; this version "
                       "reads up to %2).")
            .arg(version)
            .arg(Project::kFormatVersion),
        QStringLiteral("Update Attune to open it."));
  if (version < 1)
    return Error(ErrorCode::BadFormat, QStringLiteral("Unknown project format_version %1.").arg(version));
  if (version == 1) document = migrateV1ToV2(std::move(document));
  return document;
}

// Settings, class names and the runs index: a few hundred KiB for the largest projects.
constexpr qint64 kMaxProjectFileBytes = qint64(256) << 20;

Result<Project> ProjectFile::load(const QString& path) {
  if (!QFileInfo::exists(path))
    return Error(ErrorCode::FileNotFound, QStringLiteral("The project %1 does not exist.").arg(path),
                 QStringLiteral("Check the path, or create a new project."));
  // A regular file of a plausible size only: a named pipe would block, a device never end.
  auto read = readRegularFile(path, kMaxProjectFileBytes, QStringLiteral("the project file"));
  if (!read) return read.error();
  const QByteArray& bytes = *read;
  json document = parseJsonOrDiscarded(bytes.constData(), bytes.constData() + bytes.size(), kMaxJsonDepth);
  if (document.is_discarded())
    return Error(
        ErrorCode::BadFormat, QStringLiteral("%1 is damaged: it is not valid JSON.").arg(path),
        QStringLiteral("Restore it from a backup (.bak next to it, if any) or create a new project."));

  const int64_t version = formatVersionOf(document).value_or(-1);
  auto migrated = migrate(std::move(document));
  if (!migrated)
    return Error(migrated.error().code, path + QStringLiteral(": ") + migrated.error().message,
                 migrated.error().hint);

  const QString directory = QFileInfo(path).absolutePath();
  auto project = Project::fromJson(migrated.value(), directory);
  if (!project)
    return Error(project.error().code, QStringLiteral("%1: %2").arg(path, project.error().message),
                 project.error().hint);
  project->filePath = QFileInfo(path).absoluteFilePath();

  if (version >= 1 && version < Project::kFormatVersion) {
    // Keep the original before the file is rewritten in the current format.
    const QString backup = backupPathFor(path, int(version));
    // On the disk before the original is rewritten.
    if (auto copied = AtomicFile::copyFile(path, backup); !copied)
      return Error(ErrorCode::FileUnwritable,
                   QStringLiteral("Cannot keep a backup of %1 before updating its format: %2")
                       .arg(path, copied.error().message),
                   copied.error().hint);
    if (auto saved = save(project.value(), path); !saved) return saved.error();
  }
  return project;
}

QByteArray ProjectFile::serialize(const Project& project, const QString& path) {
  const QString directory = QFileInfo(path).absolutePath();
  return QByteArray::fromStdString(project.toJson(directory).dump(2)) + '\n';
}

Status ProjectFile::save(Project& project, const QString& path) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  if (auto saved = AtomicFile::writeFile(absolute, serialize(project, absolute)); !saved) {
    Error e = saved.error();
    e.message += QStringLiteral(" The previous version is unchanged.");
    return e;
  }
  project.filePath = absolute;
  return {};
}

}  // namespace attune
