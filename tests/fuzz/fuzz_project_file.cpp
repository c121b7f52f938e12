// Fuzz target: the project file (core/project/ProjectFile::load: JSON, migration of older formats,
// the settings). A project that loads must save and load again to the same settings.
#include "core/project/ProjectFile.h"
#include "tests/fuzz/FuzzSupport.h"

using namespace attune;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A fresh folder each time: loading an older format leaves a .bak copy next to the file.
  QDir folder(fuzz::workDirectory().filePath(QStringLiteral("project")));
  folder.removeRecursively();
  FUZZ_CHECK(fuzz::workDirectory().mkpath(QStringLiteral("project")));
  const QString path = folder.filePath(QStringLiteral("fuzz.attune"));
  fuzz::writeInput(QStringLiteral("project/fuzz.attune"), data, size);
  auto project = ProjectFile::load(path);
  if (!project) {
    fuzz::checkError(project.error());
    return 0;
  }
  FUZZ_CHECK(!project->filePath.isEmpty());
  // What Attune writes for it, it reads back.
  const QByteArray saved = ProjectFile::serialize(*project, path);
  fuzz::writeInput(QStringLiteral("project/fuzz.attune"), saved);
  auto again = ProjectFile::load(path);
  if (!again) std::fprintf(stderr, "reload: %s\n", qPrintable(again.error().text()));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->task == project->task);
  FUZZ_CHECK(again->classes == project->classes);
  FUZZ_CHECK(ProjectFile::serialize(*again, path) == saved);
  return 0;
}
