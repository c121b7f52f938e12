#include "core/project/TrainingConfig.h"
