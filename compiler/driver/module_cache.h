// `kiln run`'s cache of compiled modules: shared objects keyed by the
// module's content, the Kiln build, the compile options and the target CPU,
// under $XDG_CACHE_HOME/kiln (or ~/.cache/kiln). Entries are written
// atomically (temporary file, then rename), so concurrent runs are safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "codegen/codegen.h"

namespace kiln::driver {

// The cache directory, created if needed; nullopt when there is no usable
// one (no HOME, read-only, ...), in which case kiln compiles into a
// private temporary directory instead.
std::optional<std::string> cacheDirectory();

// The file name (no directory) of the entry for this module and options.
std::string cacheEntryName(std::span<const uint8_t> wasmBytes, const codegen::Options& options);

}  // namespace kiln::driver
