#include "app/cli/CommandSettings.h"

#include "app/cli/CliOutput.h"
#include "app/cli/CommandLine.h"
#include "core/project/SettingTable.h"

namespace attune::cli {
namespace {

const char* typeWord(SettingType type) {
  switch (type) {
    case SettingType::Integer:
      return "integer";
    case SettingType::Number:
      return "number";
    case SettingType::YesNo:
      return "yes_no";
    case SettingType::Text:
      return "text";
    case SettingType::Choice:
      return "choice";
    case SettingType::EpochList:
      return "epoch_list";
    case SettingType::OptionalInteger:
      return "optional_integer";
    case SettingType::GroupRates:
      return "group_rates";
  }
  return "";
}

bool hasRange(SettingType type) {
  return type == SettingType::Integer || type == SettingType::Number ||
         type == SettingType::OptionalInteger || type == SettingType::EpochList ||
         type == SettingType::GroupRates;
}

nlohmann::json describeAsJson(const SettingInfo& info) {
  nlohmann::json out{{"key", info.key.toStdString()},
                     {"type", typeWord(info.type)},
                     {"label", info.label.toStdString()},
                     {"help", info.help.toStdString()},
                     {"default", settingValueToJson(info, settingDefault(info))}};
  if (hasRange(info.type)) {
    out["min"] = info.range.min;
    out["max"] = info.range.max;
    out["min_exclusive"] = info.range.minExclusive;
    out["max_exclusive"] = info.range.maxExclusive;
  }
  if (!info.lowestMeans.isEmpty()) out["lowest_means"] = info.lowestMeans.toStdString();
  if (info.type == SettingType::Choice) {
    auto& choices = out["choices"] = nlohmann::json::array();
    for (const SettingChoice& choice : info.choices)
      choices.push_back({{"word", choice.word.toStdString()}, {"label", choice.label.toStdString()}});
  }
  return out;
}

// "epochs: a whole number between 1 and 10000; default 5", then the help, indented.
QString describeAsText(const SettingInfo& info) {
  const bool optional = info.type == SettingType::OptionalInteger;
  QString what = optional ? QStringLiteral("a whole number") : settingTypeName(info);
  if (hasRange(info.type)) {
    const bool each = info.type == SettingType::EpochList || info.type == SettingType::GroupRates;
    what += (each ? QStringLiteral(", each ") : QStringLiteral(" ")) + info.range.describe();
  }
  if (optional)
    what += QStringLiteral(", or null for %1").arg(info.lowestMeans);
  else if (!info.lowestMeans.isEmpty())
    what += QStringLiteral(" (%1: %2)").arg(formatSettingValue(info, info.range.min), info.lowestMeans);
  const QString shownDefault = formatSettingValue(info, settingDefault(info));
  return QStringLiteral("%1: %2; default %3\n    %4")
      .arg(info.key, what, shownDefault.isEmpty() ? QStringLiteral("\"\" (empty)") : shownDefault, info.help);
}

}  // namespace

int commandSettings(const QStringList& arguments) {
  CommandLine command({
      .name = QStringLiteral("settings"),
      .usage = QStringLiteral("usage: attune-cli settings [KEY]... [--json]"),
      .description = QStringLiteral(
          "Lists the settings of a training run that --set (in new, train and lr-find) and the project "
          "file take: each key with its kind of value, allowed range or words, default and what it does."),
      .positionals = {{QStringLiteral("key"), QStringLiteral("Only these settings (all when none).")}},
      .minPositionals = 0,
      .maxPositionals = CommandSpec::kNoLimit,
      .options = {{QStringLiteral("json"), QStringLiteral("One JSON object per setting on stdout.")}},
  });
  if (!command.parse(arguments)) return command.exitStatus();
  std::vector<const SettingInfo*> shown;
  for (const QString& key : command.positionals()) {
    const SettingInfo* info = findSetting(key);
    if (!info) return command.usageError(QStringLiteral("Unknown setting '%1'.").arg(key));
    shown.push_back(info);
  }
  if (shown.empty())
    for (const SettingInfo& info : settingInfos()) shown.push_back(&info);
  for (const SettingInfo* info : shown) {
    if (command.asJson())
      printJson(describeAsJson(*info));
    else
      printLine(describeAsText(*info));
  }
  return kExitSuccess;
}

}  // namespace attune::cli
