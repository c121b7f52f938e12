#pragma once
// The real TF.js test data (npm nsfwjs@4.3.0 and sklearn's china.jpg), fetched once into the test
// cache (tests/CMakeLists.txt, ATTUNE_TFJS_DATA_DIR) by tests/weights/fetch_tfjs_data.sh. Needs the
// compile definition ATTUNE_TFJS_DATA_DIR and the environment variable ATTUNE_TFJS_FETCH_SCRIPT.

#include "tests/support/TestEnvironment.h"

#include <QProcess>
#include <QString>

namespace attune::testing {

// The cache folder, or an empty string (with the script's output as a warning) when the data could
// not be fetched; tests then fail, they never skip.
inline QString fetchTfjsTestData() {
  const QString cache = QStringLiteral(ATTUNE_TFJS_DATA_DIR);
  QProcess fetch;
  fetch.setProcessChannelMode(QProcess::MergedChannels);
  fetch.start(QStringLiteral("/bin/sh"), {testPath("ATTUNE_TFJS_FETCH_SCRIPT"), cache});
  if (!fetch.waitForFinished(600'000) || fetch.exitStatus() != QProcess::NormalExit ||
      fetch.exitCode() != 0) {
    qWarning("%s", fetch.readAll().constData());
    return {};
  }
  return cache;
}

}  // namespace attune::testing
