#pragma once
// attune-cli settings: every setting `--set` takes, from core's setting table (SettingTable.h): its
// key, type, range or choices, default and plain-language help.

#include <QStringList>

namespace attune::cli {

int commandSettings(const QStringList& arguments);

}  // namespace attune::cli
