// attune-cli health: the Data Health tab's report and its fixes. Every finding with its id, what it
// means and the fix it offers; --fix ID (or all) applies fixes as the tab's buttons do: labels taken
// away through the label journal (the user's files stay as they are), or the classes weighted in the
// loss (saved in the project file).
#include "app/cli/CliOutput.h"
#include "app/cli/CommandLine.h"
#include "app/cli/Commands.h"
#include "core/dataset/DatasetHealth.h"
#include "core/project/LabelJournal.h"
#include "core/project/ProjectFile.h"

#include <nlohmann/json.hpp>

namespace attune::cli {
namespace {

const char* kindName(HealthKind kind) {
  switch (kind) {
    case HealthKind::DuplicateAcrossClasses:
      return "duplicate_across_classes";
    case HealthKind::DuplicateAcrossSplit:
      return "duplicate_across_split";
    case HealthKind::DuplicateInClass:
      return "duplicate_in_class";
    case HealthKind::SmallClass:
      return "small_class";
    case HealthKind::Imbalance:
      return "imbalance";
    case HealthKind::Unreadable:
      return "unreadable";
    case HealthKind::TinyImage:
      return "tiny_image";
    case HealthKind::ShortText:
      return "short_text";
  }
  return "finding";
}

const char* fixName(HealthFix fix) {
  switch (fix) {
    case HealthFix::None:
      return "none";
    case HealthFix::RemoveLabels:
      return "remove_labels";
    case HealthFix::KeepOneCopy:
      return "keep_one_copy";
    case HealthFix::WeightClasses:
      return "weight_classes";
  }
  return "none";
}

nlohmann::json toJson(const HealthFinding& f) {
  nlohmann::json items = nlohmann::json::array();
  for (const QString& key : f.keys) items.push_back(key.toStdString());
  nlohmann::json files = nlohmann::json::array();
  for (const QString& file : f.files) files.push_back(file.toStdString());
  nlohmann::json groups = nlohmann::json::array();
  for (const QStringList& group : f.groups) {
    nlohmann::json g = nlohmann::json::array();
    for (const QString& key : group) g.push_back(key.toStdString());
    groups.push_back(std::move(g));
  }
  return {{"event", "finding"},
          {"id", f.id.toStdString()},
          {"kind", kindName(f.kind)},
          {"title", f.title.toStdString()},
          {"advice", f.advice.toStdString()},
          {"items", items},
          {"groups", groups},
          {"files", files},
          {"class", f.className.toStdString()},
          {"fix", fixName(f.fix)},
          {"fix_label", f.fixLabel.toStdString()}};
}

// Applies `finding`'s fix; what it did, in one sentence.
Result<QString> applyFix(const HealthFinding& finding, Project& project, bool& projectChanged) {
  if (finding.fix == HealthFix::WeightClasses) {
    project.config.classBalance = ClassBalance::WeightedLoss;
    projectChanged = true;
    return QStringLiteral("The classes are weighted in the loss from the next run on.");
  }
  QStringList keys, classNames;
  healthFixLabels(finding, keys, classNames);
  if (keys.isEmpty()) return QStringLiteral("Nothing to fix automatically: %1").arg(finding.title);
  auto journal = LabelJournal::open(LabelJournal::pathFor(project.filePath));
  if (!journal) return journal.error();
  std::vector<LabelChange> changes;
  for (qsizetype i = 0; i < keys.size(); ++i)
    changes.push_back({LabelChange::SetLabel, keys[i], classNames[i], {}});
  if (auto written = (*journal)->append(changes); !written) return written.error();
  return QStringLiteral("%1: %2 labels changed.").arg(finding.fixLabel).arg(keys.size());
}

}  // namespace

int commandHealth(const QStringList& arguments) {
  CommandLine command({
      .name = QStringLiteral("health"),
      .usage = QStringLiteral("usage: attune-cli health PROJECT.attune [--fix ID|all] [--json]"),
      .description = QStringLiteral(
          "The Data Health report: duplicates across classes or across the training/validation split, small "
          "or unbalanced classes, unreadable files, tiny images, short texts, each with its id and the fix "
          "it offers. --fix applies a finding's fix (or every fix) as the Data Health tab's button does."),
      .positionals = {{QStringLiteral("project"), QStringLiteral("The .attune project.")}},
      .options =
          {
              {QStringLiteral("fix"), QStringLiteral("Apply this finding's fix (its id), or all of them."),
               QStringLiteral("id")},
              {QStringLiteral("json"), QStringLiteral("One JSON object per line on stdout.")},
          },
  });
  if (!command.parse(arguments)) return command.exitStatus();
  const bool asJson = command.asJson();
  auto project = command.loadProject();
  if (!project) return kExitFailure;
  auto findings = checkDatasetHealth(*project);
  if (!findings) return command.fail(findings.error().text());

  if (command.isSet(QStringLiteral("fix"))) {
    const QString wanted = command.value(QStringLiteral("fix"));
    bool projectChanged = false, found = false;
    for (const HealthFinding& finding : *findings) {
      if (wanted != QLatin1String("all") && finding.id != wanted) continue;
      found = true;
      if (finding.fix == HealthFix::None && wanted == QLatin1String("all")) continue;
      auto done = applyFix(finding, *project, projectChanged);
      if (!done) return command.fail(done.error().text());
      if (asJson)
        printJson({{"event", "fixed"}, {"id", finding.id.toStdString()}, {"what", done->toStdString()}});
      else
        printLine(*done);
    }
    if (!found)
      return command.fail(QStringLiteral("No finding with id '%1' (attune-cli health %2 lists them).")
                              .arg(wanted, project->filePath));
    if (projectChanged)
      if (auto saved = ProjectFile::save(*project, project->filePath); !saved)
        return command.fail(saved.error().text());
    return kExitSuccess;
  }

  for (const HealthFinding& finding : *findings) {
    if (asJson) {
      printJson(toJson(finding));
      continue;
    }
    printLine(QStringLiteral("[%1] %2").arg(finding.id, finding.title));
    printLine(QStringLiteral("    %1").arg(finding.advice));
    if (finding.fix != HealthFix::None)
      printLine(QStringLiteral("    Fix: %1 (attune-cli health %2 --fix %3)")
                    .arg(finding.fixLabel, project->filePath, finding.id));
  }
  if (asJson)
    printJson({{"event", "done"}, {"findings", findings->size()}});
  else if (findings->empty())
    printLine(QStringLiteral("No problems found in the data."));
  return kExitSuccess;
}

}  // namespace attune::cli
