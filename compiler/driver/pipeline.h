// The compilation pipeline in one place: read, decode, validate, translate,
// optimise, emit, and (for shared objects and executables) link.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "codegen/codegen.h"
#include "driver/options.h"
#include "wasm/module.h"

namespace kiln::driver {

// Reads, decodes and validates `path`. Throws DriverError:
// "cannot read 'x.wasm': ..." or "x.wasm: malformed module at offset 0x1f: ...".
wasm::Module loadModule(const std::string& path);
// The same for bytes already read; `name` prefixes decoder messages.
wasm::Module decodeModule(const std::string& name, std::span<const uint8_t> bytes);

// Compiles a validated module and writes `output` as an object file,
// assembly, LLVM IR or a shared object (no runtime inside). `output`
// appears only when everything succeeded. `name` is used in messages.
// Progress goes to stderr when it is a terminal, unless showProgress is
// false (a library compiling for its embedder).
void compileModule(const wasm::Module& module, const std::string& name, const codegen::Options& options,
                   OutputKind kind, const std::string& output, bool showProgress = true);

// Links the objects and the runtime into an executable at `output`.
void linkExecutableFile(const std::vector<std::string>& objects, const std::string& output, bool staticExecutable);

// The `kiln compile` and `kiln build` commands.
int compileCommand(const Options& options);
int buildCommand(const Options& options);

}  // namespace kiln::driver
