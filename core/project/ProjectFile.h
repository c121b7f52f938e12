#pragma once
// Loading and saving .attune files: atomic saves, migration of older formats (after keeping a .bak
// copy of the original), refusal of newer formats.

#include "core/common/Result.h"
#include "core/project/Project.h"

#include <nlohmann/json.hpp>

#include <QString>

namespace attune {

class ProjectFile {
 public:
  static Result<Project> load(const QString& path);
  // Writes atomically and durably (AtomicFile): on failure the previous file is untouched. Sets
  // project.filePath.
  static Status save(Project& project, const QString& path);
  // The document as it would be written to `path` (for tests and the failing-device test).
  static QByteArray serialize(const Project& project, const QString& path);

  // Brings an older document up to the current format, step by step; error for unknown versions.
  static Result<nlohmann::json> migrate(nlohmann::json document);
};

}  // namespace attune
