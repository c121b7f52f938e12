#pragma once
// Precompiled header of the torch-using core libraries. Qt headers come after LibTorch's, and core is
// compiled with QT_NO_KEYWORDS, so Qt's keyword macros never reach LibTorch's headers.
#include <torch/torch.h>

#include <QByteArray>
#include <QDebug>
#include <QString>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>
