// Which address ranges hold compiled wasm code, and which function a PC
// belongs to: for the fault handler (is this fault ours?) and backtraces.
#pragma once

#include <cstdint>
#include <string>

#include "kiln/abi.h"
#include "kiln/kiln.hpp"

namespace kiln::rt {

// Reference-counted per descriptor: every live instance of a module
// registers it; the range goes away with the last one.
void registerModuleCode(const kiln_module_desc* module);
void unregisterModuleCode(const kiln_module_desc* module);

// Async-signal-safe: whether pc lies in registered compiled code; if so,
// the range is stored in *begin and *end (when not null).
bool isCompiledCode(uintptr_t pc, uintptr_t* begin = nullptr, uintptr_t* end = nullptr);

// The name of the function holding pc (the one with the greatest code
// address <= pc among the registered modules whose range holds pc),
// "func[N]" when it has none, or "<unknown>".
std::string functionNameForPc(uintptr_t pc);
// The code address of that function, or 0.
uintptr_t functionStartForPc(uintptr_t pc);
// Its module and index ({} when unknown).
Trap::Origin functionForPc(uintptr_t pc);

}  // namespace kiln::rt
