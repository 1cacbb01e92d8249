#include "driver/pipeline.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>

#include "driver/error.h"
#include "driver/files.h"
#include "driver/grants.h"
#include "link/link.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"
#include "wasm/error.h"
#include "wasm/reader.h"
#include "wasm/validator.h"

namespace kiln::driver {
namespace {

const char* extensionFor(OutputKind kind) {
  switch (kind) {
    case OutputKind::Object: return ".o";
    case OutputKind::Assembly: return ".s";
    case OutputKind::LLVMIR: return ".ll";
    case OutputKind::Shared: return ".so";
  }
  return ".o";
}

// Progress for long compiles, only on a terminal and only once a compile
// has taken long enough for a user to wonder.
class Progress {
 public:
  Progress(const std::string& name, bool enabled) : name_(name), start_(std::chrono::steady_clock::now()) {
    enabled_ = enabled && ::isatty(2) == 1;
  }
  void step(const char* what) {
    if (!enabled_) return;
    auto elapsed = std::chrono::steady_clock::now() - start_;
    if (elapsed < std::chrono::seconds(1) && !shown_) return;
    std::fprintf(stderr, "\r\033[Kkiln: %s: %s...", name_.c_str(), what);
    shown_ = true;
  }
  ~Progress() {
    if (shown_) std::fputs("\r\033[K", stderr);
  }

 private:
  std::string name_;
  std::chrono::steady_clock::time_point start_;
  bool enabled_ = false;
  bool shown_ = false;
};

// Links into `output` with `link(path)`: straight into the resolved path
// when that is a regular file or new (lld replaces it atomically, and a
// symbolic link to it stays), else into a temporary file whose bytes are then
// written into it (standard output, a device, a FIFO: never replaced).
void linkInto(const std::string& output, const std::function<void(const std::string&)>& link) {
  std::string resolved = resolveOutput(output);
  if (!isDirectOutput(resolved)) {
    link(resolved);
    return;
  }
  TempDir temp;
  std::string file = temp.file("linked");
  link(file);
  std::vector<uint8_t> bytes = readFile(file);
  writeDirect(resolved, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void checkNotInput(const std::string& input, const std::string& output) {
  if (sameFile(input, output)) throw DriverError("output '" + output + "' would overwrite the input");
}

}  // namespace

wasm::Module decodeModule(const std::string& name, std::span<const uint8_t> bytes) {
  try {
    wasm::Module module = wasm::readModule(bytes);
    wasm::validateModule(module);
    return module;
  } catch (const wasm::Error& e) {
    throw DriverError(name + ": " + e.describe());
  }
}

wasm::Module loadModule(const std::string& path) {
  std::vector<uint8_t> bytes = readFile(path);
  return decodeModule(path, bytes);
}

void compileModule(const wasm::Module& module, const std::string& name, const codegen::Options& options,
                   OutputKind kind, const std::string& output, bool showProgress) {
  Progress progress(name, showProgress);
  std::unique_ptr<llvm::TargetMachine> target;
  try {
    target = codegen::createTargetMachine(options);
  } catch (const std::exception& e) {
    throw DriverError(e.what());
  }
  // Open the output first: an unwritable one fails before a long compile.
  // (A shared object is written by the linker; this only checks that it can.)
  std::optional<OutputFile> file;
  file.emplace(output);
  if (kind == OutputKind::Shared) file.reset();
  try {
    llvm::LLVMContext context;
    progress.step("translating");
    std::unique_ptr<llvm::Module> llvmModule = codegen::translateModule(module, context, *target, options);
    progress.step("optimising");
    codegen::optimizeModule(*llvmModule, *target, options);
    progress.step("generating code");
    if (kind == OutputKind::Shared) {
      TempDir temp;
      std::string object = temp.file("module.o");
      OutputFile objectFile(object);
      codegen::emitModule(*llvmModule, *target, codegen::EmitKind::Object, objectFile.stream());
      objectFile.commit();
      progress.step("linking");
      linkInto(output, [&](const std::string& path) {
        std::string error;
        if (!link::linkShared({object}, path, &error)) throw DriverError(error);
      });
      return;
    }
    const codegen::EmitKind emitKind = kind == OutputKind::Assembly ? codegen::EmitKind::Assembly
                                       : kind == OutputKind::LLVMIR ? codegen::EmitKind::LLVMIR
                                                                    : codegen::EmitKind::Object;
    codegen::emitModule(*llvmModule, *target, emitKind, file->stream());
    file->commit();
  } catch (const DriverError&) {
    throw;
  } catch (const std::exception& e) {
    throw DriverError(name + ": " + e.what());
  }
}

void linkExecutableFile(const std::vector<std::string>& objects, const std::string& output, bool staticExecutable) {
  link::LinkOptions options;
  options.runtimeDir = link::findRuntimeDir();
  options.staticExecutable = staticExecutable;
  if (options.runtimeDir.empty()) {
    if (const char* dir = std::getenv("KILN_RUNTIME_DIR"); dir && *dir)
      throw DriverError(std::string("KILN_RUNTIME_DIR is '") + dir +
                        "', which does not hold the Kiln runtime (libkiln-rt.a); point it at the directory that does");
    throw DriverError(
        "cannot find the Kiln runtime (libkiln-rt.a) beside this kiln or in its build tree; set "
        "KILN_RUNTIME_DIR to the directory that holds it");
  }
  linkInto(output, [&](const std::string& path) {
    std::string error;
    if (!link::linkExecutable(objects, path, options, &error)) throw DriverError(error);
  });
}

int compileCommand(const Options& options) {
  std::string output = options.output.empty() ? fileStem(options.input) + extensionFor(options.emit) : options.output;
  wasm::Module module = loadModule(options.input);
  checkNotInput(options.input, output);
  compileModule(module, options.input, options.codegen, options.emit, output);
  return 0;
}

int buildCommand(const Options& options) {
  std::string output = options.output.empty() ? fileStem(options.input) : options.output;
  wasm::Module module = loadModule(options.input);
  checkNotInput(options.input, output);
  { OutputFile probe(output); }  // fail before compiling when the output cannot be written
  TempDir temp;
  std::string object = temp.file(fileStem(options.input) + ".o");
  compileModule(module, options.input, options.codegen, OutputKind::Object, object);
  std::vector<std::string> objects = {object};
  // --dir, --dir-ro, --env, --no-inherit-env: the executable's default grants.
  if (std::string grants = temp.file("kiln_grants.o"); writeGrantsObject(options, grants)) objects.push_back(grants);
  linkExecutableFile(objects, output, options.staticExecutable);
  return 0;
}

}  // namespace kiln::driver
