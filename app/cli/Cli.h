#pragma once
#include <QStringList>

namespace attune::cli {

// Runs `attune-cli` with the given arguments (arguments[0] is the program). Returns the exit status:
// 0 success, 1 failure (one-line reason on stderr), 2 bad usage.
int run(const QStringList& arguments);

}  // namespace attune::cli
