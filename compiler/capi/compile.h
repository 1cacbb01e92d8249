// In-process compilation of wasm bytes into the bytes of a Kiln shared
// object (compile.cpp). The C API calls it with the compiler's defaults
// (through a weak reference, runtime/capi/capi_internal.h); tools that need
// other options (the differential fuzzer) call it directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "codegen/codegen.h"

namespace kiln::capi {

// False with *error (one line) when the bytes are not a valid module or
// cannot be compiled.
bool compileToSharedObject(const uint8_t* bytes, size_t size, const codegen::Options& options, std::string* so,
                           std::string* error);

}  // namespace kiln::capi
