// libFuzzer target: the decoder and the validator (scripts/libfuzz.sh).
// Any bytes must either decode and validate or be refused with a
// wasm::Error; a crash, a sanitizer report, a hang or unbounded memory is a
// bug.
#include <cstddef>
#include <cstdint>
#include <span>

#include "wasm/error.h"
#include "wasm/reader.h"
#include "wasm/validator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    kiln::wasm::Module module = kiln::wasm::readModule(std::span<const uint8_t>(data, size));
    kiln::wasm::validateModule(module);
  } catch (const kiln::wasm::Error& e) {
    // The message of every refusal is built, as the CLI builds it.
    (void)e.describe();
  }
  return 0;
}
