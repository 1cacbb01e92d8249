// `kiln build`'s grants: the capabilities given on its command line, baked
// into the executable as the data symbol kiln_default_grants (format in
// runtime/main/grants.h) in a small object linked beside the module's.
#pragma once

#include <string>

#include "driver/options.h"

namespace kiln::driver {

// Writes the grants object to `path`; returns false when there is nothing
// to bake (no --dir, --dir-ro, --env, --no-inherit-env, --allow-net),
// writing nothing.
bool writeGrantsObject(const Options& options, const std::string& path);

}  // namespace kiln::driver
