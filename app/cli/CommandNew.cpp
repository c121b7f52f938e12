#include "app/cli/CliOutput.h"
#include "app/cli/Commands.h"
#include "core/data/ImageFolderScanner.h"
#include "core/models/Architecture.h"
#include "core/project/ProjectFile.h"
#include "core/weights/ModelCatalog.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>

namespace attune::cli {

int commandNew(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.addPositionalArgument(QStringLiteral("project"), QStringLiteral("The .attune file to create."));
  parser.addOptions({
      {QStringLiteral("task"), QStringLiteral("image"), QStringLiteral("task")},
      {QStringLiteral("data"), QStringLiteral("Folder with one sub-folder per class."),
       QStringLiteral("path")},
      {QStringLiteral("model"), QStringLiteral("Architecture id (see `models`)."), QStringLiteral("id")},
      {QStringLiteral("weights"),
       QStringLiteral(
           "Pre-trained weights: a .safetensors/.pth file, a TF.js folder, or catalog:ID (see `models`)."),
       QStringLiteral("file")},
      {QStringLiteral("val-fraction"), QStringLiteral("Share held out for validation."), QStringLiteral("f")},
      {QStringLiteral("seed"), QStringLiteral("Seed of the split and the training."), QStringLiteral("n")},
      {QStringLiteral("set"), QStringLiteral("A setting of the project (key=value)."),
       QStringLiteral("key=value")},
      {QStringLiteral("force"), QStringLiteral("Overwrite an existing project file.")},
  });
  if (!parser.parse(QStringList{QStringLiteral("new")} + arguments)) {
    printError(parser.errorText());
    return kExitUsage;
  }
  const QStringList positional = parser.positionalArguments();
  if (positional.size() != 1 || !parser.isSet(QStringLiteral("data"))) {
    printError(
        QStringLiteral("usage: attune-cli new PROJECT.attune --task image --data FOLDER [--model ID] "
                       "[--weights FILE] [--val-fraction F] [--seed N] [--set key=value]... [--force]"));
    return kExitUsage;
  }
  const QString task = parser.value(QStringLiteral("task"));
  if (!task.isEmpty() && task != QLatin1String("image")) {
    printError(QStringLiteral("--task %1 is not available yet; this version of Attune classifies images.")
                   .arg(task));
    return kExitUsage;
  }
  const QString projectPath = QFileInfo(positional.first()).absoluteFilePath();
  if (QFileInfo::exists(projectPath) && !parser.isSet(QStringLiteral("force"))) {
    printError(QStringLiteral("%1 already exists. Choose another name or add --force to replace it.")
                   .arg(projectPath));
    return kExitFailure;
  }

  Project project;
  project.name = QFileInfo(projectPath).completeBaseName();
  project.data.folder = QFileInfo(parser.value(QStringLiteral("data"))).absoluteFilePath();
  if (parser.isSet(QStringLiteral("model"))) {
    const QString model = parser.value(QStringLiteral("model"));
    if (!findArchitecture(model)) {
      QStringList ids;
      for (const auto& a : architectures()) ids << a.id;
      printError(QStringLiteral("unknown model '%1'. Choose one of: %2.")
                     .arg(model, ids.join(QStringLiteral(", "))));
      return kExitUsage;
    }
    project.config.architecture = model;
  }
  if (parser.isSet(QStringLiteral("weights")) &&
      isCatalogReference(parser.value(QStringLiteral("weights")))) {
    const QString reference = parser.value(QStringLiteral("weights"));
    const auto catalog = ModelCatalog::active();
    const QString id = reference.mid(int(qstrlen(kCatalogScheme)));
    if (!catalog || !catalog->find(id)) {
      printError(
          QStringLiteral("the model catalog has no model '%1'. Run 'attune-cli models' to see the ids.")
              .arg(id));
      return kExitFailure;
    }
    // The catalog entry decides the architecture unless --model says otherwise (then train reports the
    // mismatch).
    if (!parser.isSet(QStringLiteral("model"))) project.config.architecture = catalog->find(id)->architecture;
    project.config.weightsPath = reference;
  } else if (parser.isSet(QStringLiteral("weights"))) {
    const QString weights = QFileInfo(parser.value(QStringLiteral("weights"))).absoluteFilePath();
    if (!QFileInfo::exists(weights)) {
      printError(QStringLiteral("the weights file %1 does not exist.").arg(weights));
      return kExitFailure;
    }
    project.config.weightsPath = weights;
  }
  bool ok = true;
  if (parser.isSet(QStringLiteral("val-fraction"))) {
    project.data.valFraction = parser.value(QStringLiteral("val-fraction")).toDouble(&ok);
    if (!ok || project.data.valFraction <= 0.0 || project.data.valFraction >= 1.0) {
      printError(QStringLiteral("--val-fraction must be a number between 0 and 1, such as 0.2."));
      return kExitUsage;
    }
  }
  if (parser.isSet(QStringLiteral("seed"))) {
    const int seed = parser.value(QStringLiteral("seed")).toInt(&ok);
    if (!ok) {
      printError(QStringLiteral("--seed must be a whole number."));
      return kExitUsage;
    }
    project.data.splitSeed = seed;
    project.config.seed = seed;
  }

  for (const QString& assignment : parser.values(QStringLiteral("set"))) {
    if (auto s = applySetting(project.config, assignment); !s) {
      printError(s.error().text());
      return kExitUsage;
    }
  }

  auto folder = scanImageFolder(project.data.folder);
  if (!folder) {
    printError(folder.error().text());
    return kExitFailure;
  }
  project.classes = folder->classes;
  if (auto saved = ProjectFile::save(project, projectPath); !saved) {
    printError(saved.error().text());
    return kExitFailure;
  }
  printLine(QStringLiteral("Created %1").arg(projectPath));
  printLine(folder->report.summary());
  return kExitSuccess;
}

}  // namespace attune::cli
