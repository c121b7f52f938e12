#pragma once
// Paths a test needs that depend on where the checkout and its build folder are (the source tree,
// built helper programs, the scripts that make reference data) come from the environment that ctest
// gives each test (tests/CMakeLists.txt), not from compile definitions: an object file then holds no
// path of its checkout or build folder, and ccache serves it to a build in another folder or clone.

#include <QByteArray>
#include <QString>
#include <QtGlobal>

namespace attune::testing {

// The value of the environment variable `name`; ends the test program with a message saying how to
// run it when ctest did not set it.
inline QString testPath(const char* name) {
  const QString value = qEnvironmentVariable(name);
  if (value.isEmpty())
    qFatal("%s is not set: run this test through ctest (ctest --test-dir BUILD -R NAME), which sets it.",
           name);
  return value;
}

// How many times slower than a normal build this test program runs: ctest sets ATTUNE_TEST_SLOWDOWN
// under a sanitizer (3 for ASan + UBSan, 5 for TSan; tests/CMakeLists.txt), 1 when unset. A test
// waiting on real training scales its deadline by it, not its check.
inline int testSlowdown() {
  bool ok = false;
  const int factor = qEnvironmentVariableIntValue("ATTUNE_TEST_SLOWDOWN", &ok);
  return ok && factor > 1 ? factor : 1;
}

}  // namespace attune::testing
