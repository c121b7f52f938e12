#include "app/cli/CliOutput.h"
#include "app/cli/CommandLine.h"
#include "app/cli/Commands.h"
#include "core/data/ImageFolderScanner.h"
#include "core/data/TextColumnGuess.h"
#include "core/data/TextDataset.h"
#include "core/models/Architecture.h"
#include "core/project/ProjectFile.h"
#include "core/weights/ModelCatalog.h"

#include <QDir>
#include <QFileInfo>

namespace attune::cli {
namespace {

// The column named by `option`, or the guess; -1 (after a one-line error) when neither names one.
int chooseColumn(const QCommandLineParser& parser, const char* option, const TextTable& table, int guessed,
                 GuessBasis basis, const char* role) {
  const QString optionName = QString::fromUtf8(option);
  if (parser.isSet(optionName)) {
    const int index = table.columnIndex(parser.value(optionName));
    if (index < 0)
      printError(QStringLiteral("the table has no column '%1'. Its columns are: %2.")
                     .arg(parser.value(optionName), table.columnList()));
    return index;
  }
  if (guessed < 0) {
    printError(
        QStringLiteral("cannot tell which column holds the %1; name it with --%2. The columns are: %3.")
            .arg(QLatin1String(role), optionName, table.columnList()));
    return -1;
  }
  printLine(QStringLiteral("%1 column: '%2' (guessed from its %3; choose another with --%4)")
                .arg(QString::fromLatin1(role).left(1).toUpper() + QString::fromLatin1(role).mid(1),
                     table.columns[guessed],
                     basis == GuessBasis::Name ? QStringLiteral("name") : QStringLiteral("content"),
                     optionName));
  return guessed;
}

// Fills the text project's data and classes from its table; an exit status on failure.
std::optional<int> readTextData(const QCommandLineParser& parser, Project& project, QString& summary) {
  project.task = TaskKind::TextClassification;
  project.data.table = QFileInfo(parser.value(QStringLiteral("data"))).absoluteFilePath();
  TextTableReadOptions options;
  if (parser.isSet(QStringLiteral("table-format"))) {
    options.format = textTableFormatFromString(parser.value(QStringLiteral("table-format")));
    if (!options.format) {
      printError(QStringLiteral("--table-format takes csv, tsv, jsonl or json."));
      return kExitUsage;
    }
  }
  auto table = TextTable::read(project.data.table, options);
  if (!table) {
    printError(table.error().text());
    return kExitFailure;
  }
  const TextColumnGuess guess = guessTextColumns(*table);
  const int textColumn =
      chooseColumn(parser, "text-column", *table, guess.textColumn, guess.textBasis, "texts");
  if (textColumn < 0) return kExitUsage;
  const int labelColumn =
      chooseColumn(parser, "label-column", *table, guess.labelColumn, guess.labelBasis, "labels");
  if (labelColumn < 0) return kExitUsage;
  project.data.tableFormat = table->format;
  project.data.textColumn = table->columns[textColumn];
  project.data.labelColumn = table->columns[labelColumn];
  auto dataset = TextDataset::fromTable(*table, {project.data.textColumn, project.data.labelColumn});
  if (!dataset) {
    printError(dataset.error().text());
    return kExitUsage;  // only the column choice can be wrong here
  }
  if (dataset->classes.size() < 2) {
    printError(QStringLiteral("the column '%1' holds %2 label(s) (%3); Attune needs at least two classes.")
                   .arg(project.data.labelColumn)
                   .arg(dataset->classes.size())
                   .arg(dataset->classes.join(QStringLiteral(", "))));
    return kExitFailure;
  }
  project.classes = dataset->classes;
  summary = dataset->summary();
  return std::nullopt;
}

}  // namespace

int commandNew(const QStringList& arguments) {
  CommandLine command({
      .name = QStringLiteral("new"),
      .usage = QStringLiteral(
          "usage: attune-cli new PROJECT.attune --task image|text --data FOLDER|FILE [--model ID] "
          "[--weights FILE] [--text-column C --label-column C] [--val-fraction F] [--seed N] "
          "[--set key=value]... [--force]"),
      .description = QStringLiteral(
          "Creates a project from a folder of images (one sub-folder per class) or a table of texts and "
          "labels."),
      .positionals = {{QStringLiteral("project"), QStringLiteral("The .attune file to create.")}},
      .options =
          {
              {QStringLiteral("task"), QStringLiteral("image (default) or text."), QStringLiteral("task")},
              {QStringLiteral("data"),
               QStringLiteral("Images: a folder with one sub-folder per class. Texts: a .csv, .tsv, .jsonl "
                              "or .json file."),
               QStringLiteral("path")},
              {QStringLiteral("text-column"),
               QStringLiteral("The table's column of texts (default: guessed)."), QStringLiteral("name")},
              {QStringLiteral("label-column"),
               QStringLiteral("The table's column of labels (default: guessed)."), QStringLiteral("name")},
              {QStringLiteral("table-format"),
               QStringLiteral("csv, tsv, jsonl or json (default: from the extension)."),
               QStringLiteral("format")},
              {QStringLiteral("model"), QStringLiteral("Architecture id (see `models`)."),
               QStringLiteral("id")},
              {QStringLiteral("weights"),
               QStringLiteral("Pre-trained weights: a .safetensors/.pth file, a TF.js folder, or catalog:ID "
                              "(see `models`)."),
               QStringLiteral("file")},
              {QStringLiteral("val-fraction"), QStringLiteral("Share held out for validation."),
               QStringLiteral("f")},
              {QStringLiteral("seed"), QStringLiteral("Seed of the split and the training."),
               QStringLiteral("n")},
              {QStringLiteral("set"),
               QStringLiteral("A setting of the project (key=value; attune-cli settings lists them)."),
               QStringLiteral("key=value")},
              {QStringLiteral("force"), QStringLiteral("Overwrite an existing project file.")},
          },
      .requiredOptions = {QStringLiteral("data")},
  });
  if (!command.parse(arguments)) return command.exitStatus();
  const QCommandLineParser& parser = command.parser();
  const QStringList positional = command.positionals();
  const QString task = parser.value(QStringLiteral("task"));
  const bool textTask = task == QLatin1String("text");
  if (!task.isEmpty() && task != QLatin1String("image") && !textTask) {
    printError(QStringLiteral("--task takes image or text (got '%1').").arg(task));
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
  if (!textTask) project.data.folder = QFileInfo(parser.value(QStringLiteral("data"))).absoluteFilePath();
  // A text project starts with the model that needs no download (its vectors come with set-up).
  if (textTask) project.config.architecture = QString::fromLatin1(kWordVectorArchitecture);
  if (parser.isSet(QStringLiteral("model"))) {
    const QString model = parser.value(QStringLiteral("model"));
    const InputKind wanted = textTask ? InputKind::Text : InputKind::Image;
    const ArchitectureInfo* info = findArchitecture(model);
    if (!info || info->input != wanted) {
      QStringList ids;
      for (const auto& a : architectures())
        if (a.input == wanted) ids << a.id;
      printError(QStringLiteral("%1 model '%2'. Choose one of: %3.")
                     .arg(info ? QStringLiteral("not a %1")
                                     .arg(textTask ? QStringLiteral("text") : QStringLiteral("image"))
                               : QStringLiteral("unknown"),
                          model, ids.join(QStringLiteral(", "))));
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

  QString summary;
  if (textTask) {
    if (auto failed = readTextData(parser, project, summary)) return *failed;
  } else {
    auto folder = scanImagePool(project.data.folder);
    if (!folder) {
      printError(folder.error().text());
      return kExitFailure;
    }
    // A folder whose images still need labelling makes a project to label in; one that cannot be
    // labelled either (no images without a class) is refused as before.
    auto trainable = checkImageClasses(*folder);
    if (!trainable && folder->unlabelled.empty()) {
      printError(trainable.error().text());
      return kExitFailure;
    }
    project.classes = folder->classes;
    summary = folder->report.summary();
    if (!trainable)
      summary += QStringLiteral("\nNot ready to train yet: %1 Label its images in Attune first.")
                     .arg(trainable.error().message);
  }
  if (auto saved = ProjectFile::save(project, projectPath); !saved) {
    printError(saved.error().text());
    return kExitFailure;
  }
  printLine(QStringLiteral("Created %1").arg(projectPath));
  printLine(summary);
  return kExitSuccess;
}

}  // namespace attune::cli
