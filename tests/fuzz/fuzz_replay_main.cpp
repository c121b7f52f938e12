// The fuzz targets without libFuzzer (the normal build): feeds every file of the folders (or the
// files) named on the command line to the target's LLVMFuzzerTestOneInput, once each, in name
// order. ctest runs it over the target's seed corpus and its regressions (tests/fuzz/CMakeLists.txt),
// so an input that once crashed a reader keeps being tried by every build. A folder that does not
// exist (a target without regressions yet) is passed over. Fails when no input was found at all,
// and (by crashing) when an input makes the target crash.
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QStringList>

#include <cstdint>
#include <cstdio>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FOLDER|FILE...\n", argv[0]);
    return 2;
  }
  int total = 0;
  for (int i = 1; i < argc; ++i) {
    const QString argument = QFile::decodeName(argv[i]);
    QStringList files;
    if (!QFileInfo::exists(argument)) {
      std::fprintf(stderr, "%s does not exist: passed over\n", argv[i]);
      continue;
    }
    if (QFileInfo(argument).isDir()) {
      QDirIterator it(argument, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
      while (it.hasNext()) files << it.next();
      files.sort();
    } else {
      files << argument;
    }
    for (const QString& path : files) {
      QFile file(path);
      if (!file.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "cannot read %s\n", qPrintable(path));
        return 1;
      }
      const QByteArray bytes = file.readAll();
      std::fprintf(stderr, "%s\n", qPrintable(path));  // the last line names the input that crashed
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.constData()), size_t(bytes.size()));
      ++total;
    }
  }
  if (total == 0) {
    std::fprintf(stderr, "no input found\n");
    return 1;
  }
  std::printf("%d inputs replayed without a crash\n", total);
  return 0;
}
