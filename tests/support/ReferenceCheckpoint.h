#pragma once
// A real torchvision state_dict written by torch.save (Debian's python3-torchvision), for tests that
// need a genuine .pth file.

#include <QProcess>
#include <QString>

namespace attune::testing {

// torchvision.models.<architecture>() with seed 0, saved to `path`; an empty string on success, else
// what went wrong.
inline QString writeTorchvisionCheckpoint(const QString& python, const QString& architecture,
                                          const QString& path) {
  QProcess process;
  process.start(
      python,
      {QStringLiteral("-c"),
       QStringLiteral("import sys, torch, torchvision\n"
                      "torch.manual_seed(0)\n"
                      "torch.save(getattr(torchvision.models, sys.argv[1])().state_dict(), sys.argv[2])\n"),
       architecture, path});
  if (!process.waitForFinished(120000)) return QStringLiteral("python did not finish");
  if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
    return QString::fromUtf8(process.readAllStandardError());
  return {};
}

}  // namespace attune::testing
