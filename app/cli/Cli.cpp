#include "app/cli/Cli.h"

namespace attune::cli {
int run(const QStringList&) { return 0; }
}
