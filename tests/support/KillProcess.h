#pragma once
// Sends a signal to a test's child process only while it runs. A QProcess that has finished reports
// process id 0, and kill(0, sig) signals the whole process group: the test itself, ctest and CI's
// script with it.

#include <QProcess>

#include <signal.h>

namespace attune::testing {

// Whether `signal` was sent (false: the process had already finished).
inline bool signalIfRunning(QProcess& process, int signal) {
  const qint64 pid = process.processId();
  if (process.state() != QProcess::Running || pid <= 0) return false;
  return ::kill(pid_t(pid), signal) == 0;
}

// Waits until the process has ended: true when it has (also when it had ended before the call, where
// QProcess::waitForFinished answers false), false when it still runs after `timeout_ms`.
inline bool waitUntilEnded(QProcess& process, int timeout_ms = 30000) {
  return process.state() == QProcess::NotRunning || process.waitForFinished(timeout_ms) ||
         process.state() == QProcess::NotRunning;
}

}  // namespace attune::testing
