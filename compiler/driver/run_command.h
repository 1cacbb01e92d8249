// `kiln run`: compile (cached) to a shared object, load it into this process,
// and run it as a WASI command or call one export (--invoke).
#pragma once

#include "driver/options.h"

namespace kiln::driver {

// Returns the program's exit status (or kiln's, on errors it throws).
int runCommand(const Options& options);

}  // namespace kiln::driver
