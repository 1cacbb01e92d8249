// `kiln serve`: load (or compile) a module once and answer HTTP requests
// with a fresh instance each (kiln/serve.h), until SIGTERM or SIGINT.
#pragma once

#include "driver/options.h"

namespace kiln::driver {

int serveCommand(const Options& options);

}  // namespace kiln::driver
