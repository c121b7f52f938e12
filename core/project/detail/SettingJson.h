#pragma once
// Inside attune_project: a setting of the table (SettingTable.h) to and from the project file's JSON.

#include "core/project/SettingTable.h"

#include <nlohmann/json_fwd.hpp>

namespace attune::detail {

nlohmann::json settingToJson(const SettingInfo& info, const TrainingConfig& config);
// Reads one present JSON value into the setting's QVariant, checking its type (not its range: a
// project file with a value out of range still opens, and validate() says what is wrong). Null is an
// error except for an OptionalInteger, where it means unset. Messages name `keyPath`.
Result<QVariant> settingFromJson(const SettingInfo& info, const nlohmann::json& value,
                                 const QString& keyPath);

// setSetting for a JSON value (`--set`): the type, then the range and choices; messages name the key.
Status setSettingFromJson(TrainingConfig& config, const SettingInfo& info, const nlohmann::json& value);

}  // namespace attune::detail
