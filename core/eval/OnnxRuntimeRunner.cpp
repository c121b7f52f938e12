#include "core/eval/OnnxRuntimeRunner.h"

#include "core/common/AppFolders.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <cstring>

namespace attune {
namespace {

constexpr int kRunnerTimeoutMs = 10 * 60 * 1000;

bool holdsOnnxRuntime(const QString& folder) {
  return QFileInfo(QDir(folder).filePath(QStringLiteral("node_modules/onnxruntime-node/dist/index.js")))
      .isFile();
}

Error runtimeFailed(const QString& reason) {
  return Error(
      ErrorCode::Generic, QStringLiteral("ONNX Runtime could not run the exported model: %1").arg(reason),
      QStringLiteral("The ONNX file may use something this ONNX Runtime lacks; the Attune folder export "
                     "still works."));
}

}  // namespace

std::optional<OnnxRuntimeLocation> findOnnxRuntime(QString* whyNot) {
  const QString fetch = QStringLiteral("installer/fetch_onnxruntime.sh");
  QString modules = envPath("ATTUNE_ONNXRUNTIME_NODE");
  if (modules.isEmpty())
    modules = attuneCacheFolder() +
              QStringLiteral("/onnxruntime-node-%1").arg(QLatin1String(kOnnxRuntimeNodeVersion));
  if (!holdsOnnxRuntime(modules)) {
    if (whyNot)
      *whyNot = QStringLiteral("ONNX Runtime was not found in %1 (run %2 to fetch it, about 50 MB).")
                    .arg(QDir::toNativeSeparators(modules), fetch);
    return std::nullopt;
  }
  const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
  if (node.isEmpty()) {
    if (whyNot)
      *whyNot =
          QStringLiteral("Node.js, which runs ONNX Runtime here, is not installed (apt-get install nodejs).");
    return std::nullopt;
  }
  return OnnxRuntimeLocation{node, modules};
}

Result<std::vector<std::vector<double>>> onnxRuntimeProbabilities(const OnnxRuntimeLocation& runtime,
                                                                  const QString& model,
                                                                  const std::vector<ModelInput>& inputs) {
  QTemporaryDir work;
  if (!work.isValid())
    return Error(ErrorCode::FileUnwritable, QStringLiteral("No temporary folder for ONNX Runtime's inputs."),
                 QStringLiteral("Free some disk space."));
  // The runner is built into Attune (a resource); node reads it from a file.
  const QString runner = work.filePath(QStringLiteral("onnx_run.js"));
  if (!QFile::copy(QStringLiteral(":/attune/onnx_run.js"), runner))
    return Error(ErrorCode::Internal,
                 QStringLiteral("Attune's ONNX Runtime runner is missing from this build."));
  nlohmann::json spec = nlohmann::json::object();
  for (const ModelInput& input : inputs) {
    const QString file = work.filePath(QString::fromStdString(input.name) + QStringLiteral(".bin"));
    QFile out(file);
    if (!out.open(QIODevice::WriteOnly) || out.write(input.data) != input.data.size())
      return Error(ErrorCode::FileUnwritable, QStringLiteral("Could not write %1.").arg(file),
                   QStringLiteral("Free some disk space."));
    spec[input.name] = {{"dtype", input.dtype}, {"dims", input.shape}, {"file", file.toStdString()}};
  }
  const QString specPath = work.filePath(QStringLiteral("inputs.json"));
  QFile specFile(specPath);
  if (!specFile.open(QIODevice::WriteOnly) || specFile.write(QByteArray::fromStdString(spec.dump())) < 0)
    return Error(ErrorCode::FileUnwritable, QStringLiteral("Could not write %1.").arg(specPath));
  specFile.close();
  const QString outputsPath = work.filePath(QStringLiteral("outputs.json"));

  QProcess process;
  process.start(runtime.node, {runner, runtime.modules, model, specPath, outputsPath});
  if (!process.waitForStarted(30000)) return runtimeFailed(QStringLiteral("node does not start"));
  if (!process.waitForFinished(kRunnerTimeoutMs)) {
    process.kill();
    process.waitForFinished();
    return runtimeFailed(QStringLiteral("it did not finish in ten minutes"));
  }
  if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
    // The runner's last line says why.
    const QStringList lines = QString::fromUtf8(process.readAllStandardError()).trimmed().split('\n');
    return runtimeFailed(lines.isEmpty() ? QStringLiteral("no reason given") : lines.last().trimmed());
  }
  QFile outputsFile(outputsPath);
  if (!outputsFile.open(QIODevice::ReadOnly)) return runtimeFailed(QStringLiteral("it wrote no outputs"));
  try {
    const auto outputs = nlohmann::json::parse(outputsFile.readAll().toStdString());
    const auto& probabilities = outputs.at("probabilities");
    const auto dims = probabilities.at("dims").get<std::vector<int64_t>>();
    if (dims.size() != 2 || probabilities.at("dtype") != "float32")
      return runtimeFailed(QStringLiteral("its probabilities are not a float32 [examples, classes] table"));
    QFile data(QString::fromStdString(probabilities.at("file").get<std::string>()));
    if (!data.open(QIODevice::ReadOnly))
      return runtimeFailed(QStringLiteral("its probabilities cannot be read"));
    const QByteArray bytes = data.readAll();
    if (bytes.size() != qsizetype(dims[0] * dims[1] * 4))
      return runtimeFailed(QStringLiteral("its probabilities are cut short"));
    std::vector<std::vector<double>> rows(static_cast<size_t>(dims[0]),
                                          std::vector<double>(static_cast<size_t>(dims[1])));
    for (int64_t r = 0; r < dims[0]; ++r)
      for (int64_t c = 0; c < dims[1]; ++c) {
        float value = 0.0f;
        std::memcpy(&value, bytes.constData() + (r * dims[1] + c) * 4, 4);
        rows[size_t(r)][size_t(c)] = value;
      }
    return rows;
  } catch (const nlohmann::json::exception&) {
    return runtimeFailed(QStringLiteral("its description of the outputs is damaged or has no probabilities"));
  }
}

}  // namespace attune
