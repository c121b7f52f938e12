#pragma once
// Running and checking ONNX files from a test, with the independent readers in tests/support:
// ONNX Runtime (npm onnxruntime-node, fetched once into the test cache by installer/fetch_onnxruntime.sh,
// run by core/eval/onnx_run.js under node) and ONNX's own checker (python3-onnx, tests/support/
// onnx_check.py). The scripts come from ATTUNE_SOURCE_DIR; ATTUNE_ONNXRUNTIME_CACHE (set by ctest) is where
// the runtime is kept.

#include "tests/support/TestEnvironment.h"

#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace attune::testing {

struct OnnxTensor {
  std::string dtype;  // "float32", "int64"
  std::vector<int64_t> shape;
  QByteArray data;  // raw little-endian, row-major

  std::vector<float> floats() const {
    std::vector<float> values(size_t(data.size()) / sizeof(float));
    std::memcpy(values.data(), data.constData(), values.size() * sizeof(float));
    return values;
  }
};
using OnnxTensors = std::map<std::string, OnnxTensor>;

// Runs `program` with `arguments`; its exit status 0 and output, else `error` gets the reason.
inline bool runTool(const QString& program, const QStringList& arguments, QString* output, QString* error,
                    int timeoutMs = 600000) {
  QProcess process;
  process.setProcessChannelMode(QProcess::SeparateChannels);
  process.start(program, arguments);
  if (!process.waitForStarted(30000)) {
    *error = QStringLiteral("%1 does not start: %2").arg(program, process.errorString());
    return false;
  }
  if (!process.waitForFinished(timeoutMs)) {
    process.kill();
    process.waitForFinished();
    *error = QStringLiteral("%1 %2 did not finish in time").arg(program, arguments.join(' '));
    return false;
  }
  if (output) *output = QString::fromUtf8(process.readAllStandardOutput()).trimmed();
  const QString errors = QString::fromUtf8(process.readAllStandardError()).trimmed();
  if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
    *error = QStringLiteral("%1 %2 failed (exit %3): %4")
                 .arg(program, arguments.join(' '))
                 .arg(process.exitCode())
                 .arg(errors.right(2000));
    return false;
  }
  return true;
}

// A file of the source tree, by its path relative to the root.
inline QString sourceFile(const char* path) {
  return QDir(testPath("ATTUNE_SOURCE_DIR")).filePath(QLatin1String(path));
}

// The folder holding node_modules/onnxruntime-node (fetched on first use); empty with `error` set when
// it cannot be had.
inline QString onnxRuntimeModules(QString* error) {
  QString folder;
  if (!runTool(QStringLiteral("sh"),
               {sourceFile("installer/fetch_onnxruntime.sh"), testPath("ATTUNE_ONNXRUNTIME_CACHE")}, &folder,
               error))
    return {};
  return folder.split('\n').last();
}

// ONNX's checker with full shape inference on `model`; empty when it passes, else its reason.
inline QString checkOnnxFile(const QString& model) {
  QString output, error;
  if (!runTool(QStringLiteral("/usr/bin/python3"), {sourceFile("tests/support/onnx_check.py"), model},
               &output, &error))
    return error;
  return {};
}

// onnx_check.py's description of `model` (inputs, outputs, opsets, metadata); empty when it fails.
inline QString describeOnnxFile(const QString& model) {
  QString output, error;
  if (!runTool(QStringLiteral("/usr/bin/python3"), {sourceFile("tests/support/onnx_check.py"), model},
               &output, &error))
    return {};
  return output;
}

// Runs `model` in ONNX Runtime on `inputs`; its outputs by name, or empty with `error` set.
inline OnnxTensors runOnnxFile(const QString& modules, const QString& model, const OnnxTensors& inputs,
                               QString* error) {
  QTemporaryDir work;
  nlohmann::json spec = nlohmann::json::object();
  for (const auto& [name, tensor] : inputs) {
    const QString file = work.filePath(QString::fromStdString(name) + QStringLiteral(".bin"));
    QFile out(file);
    if (!out.open(QIODevice::WriteOnly) || out.write(tensor.data) != tensor.data.size()) {
      *error = QStringLiteral("cannot write %1").arg(file);
      return {};
    }
    spec[name] = {{"dtype", tensor.dtype}, {"dims", tensor.shape}, {"file", file.toStdString()}};
  }
  QFile specFile(work.filePath(QStringLiteral("inputs.json")));
  if (!specFile.open(QIODevice::WriteOnly) || specFile.write(QByteArray::fromStdString(spec.dump())) < 0) {
    *error = QStringLiteral("cannot write the inputs' description");
    return {};
  }
  specFile.close();
  const QString outputsPath = work.filePath(QStringLiteral("outputs.json"));
  if (!runTool(QStringLiteral("node"),
               {sourceFile("core/eval/onnx_run.js"), modules, model, specFile.fileName(), outputsPath},
               nullptr, error))
    return {};
  QFile outputsFile(outputsPath);
  if (!outputsFile.open(QIODevice::ReadOnly)) {
    *error = QStringLiteral("onnx_run.js wrote no outputs");
    return {};
  }
  const auto outputs = nlohmann::json::parse(outputsFile.readAll().toStdString());
  OnnxTensors result;
  for (const auto& [name, entry] : outputs.items()) {
    OnnxTensor tensor;
    tensor.dtype = entry.at("dtype").get<std::string>();
    tensor.shape = entry.at("dims").get<std::vector<int64_t>>();
    QFile data(QString::fromStdString(entry.at("file").get<std::string>()));
    if (!data.open(QIODevice::ReadOnly)) {
      *error = QStringLiteral("cannot read output %1").arg(QString::fromStdString(name));
      return {};
    }
    tensor.data = data.readAll();
    result[name] = tensor;
  }
  return result;
}

}  // namespace attune::testing
