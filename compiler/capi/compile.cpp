// In-process compilation for the C API (wasm_module_new, wasm_module_validate
// in runtime/capi/): wasm bytes to the bytes of a Kiln shared object, with
// the compiler's default options (or others: compile.h). The C API finds
// these functions when the program links this library (the Kiln::compiler
// target); without it, it loads only precompiled modules.
#include <cstdint>
#include <fstream>
#include <iterator>
#include <span>
#include <string>

#include "capi/compile.h"
#include "driver/error.h"
#include "driver/files.h"
#include "driver/pipeline.h"
#include "llvm/Support/Signals.h"

namespace kiln::capi {

bool validateBinary(const uint8_t* bytes, size_t size, std::string* error) {
  try {
    driver::decodeModule("module", std::span<const uint8_t>(bytes, size));
    return true;
  } catch (const driver::DriverError& e) {
    *error = e.what();
    return false;
  }
}

bool compileToSharedObject(const uint8_t* bytes, size_t size, std::string* so, std::string* error) {
  return compileToSharedObject(bytes, size, codegen::Options{}, so, error);
}

bool compileToSharedObject(const uint8_t* bytes, size_t size, const codegen::Options& options, std::string* so,
                           std::string* error) {
  // LLVM installs its signal handlers (to remove temporary files on a
  // crash) in front of the runtime's: take them away again however the
  // compilation ends, or a guest's fault would reach them first. While a
  // compilation runs on one thread they stand in front for guests on other
  // threads too (docs/embedding.md).
  struct Unregister {
    ~Unregister() { llvm::sys::unregisterHandlers(); }
  } unregister;
  try {
    wasm::Module module = driver::decodeModule("module", std::span<const uint8_t>(bytes, size));
    driver::TempDir temp;
    std::string path = temp.file("module.so");
    driver::compileModule(module, "module", options, driver::OutputKind::Shared, path,
                          /*showProgress=*/false);
    std::ifstream in(path, std::ios::binary);
    so->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      *error = "cannot read the compiled module back";
      return false;
    }
    return true;
  } catch (const std::exception& e) {
    *error = e.what();
    return false;
  }
}

}  // namespace kiln::capi
