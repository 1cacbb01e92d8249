#include "driver/run_command.h"

#include <dlfcn.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "driver/error.h"
#include "driver/files.h"
#include "driver/module_cache.h"
#include "driver/pipeline.h"
#include "driver/value_format.h"
#include "kiln/dagger.h"
#include "kiln/kiln.hpp"
#include "llvm/Support/Signals.h"

extern char** environ;

namespace kiln::driver {
namespace {


// What the Dagger stream API may reach: the --dir grants (as WASI's
// preopens) and the network hosts of --allow-net.
DaggerOptions daggerOptions(const Options& options) {
  DaggerOptions dagger;
  dagger.dirs = options.dirs;
  dagger.allowNet = options.allowNet;
  return dagger;
}


// A compiled module loaded into this process. The handle stays open for the
// life of the process: the instance's code lives in it.
struct LoadedModule {
  void* handle = nullptr;
  const kiln_module_desc* desc = nullptr;
};

std::optional<LoadedModule> load(const std::string& path, std::string* error) {
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* message = ::dlerror();
    *error = std::string("cannot load the compiled module: ") + (message ? message : "dlopen failed");
    return std::nullopt;
  }
  void* symbol = ::dlsym(handle, KILN_MODULE_SYMBOL);
  if (!symbol) {
    ::dlclose(handle);
    *error = "the compiled module has no " KILN_MODULE_SYMBOL " descriptor";
    return std::nullopt;
  }
  const auto* desc = static_cast<const kiln_module_desc*>(symbol);
  // The runtime checks the ABI version; a module from another Kiln release
  // may rely on runtime behaviour this one lacks, so refuse it too.
  if (desc->abi_version == KILN_ABI_VERSION && desc->kiln_version &&
      std::string(desc->kiln_version) != KILN_VERSION) {
    ::dlclose(handle);
    *error = std::string("compiled by Kiln ") + desc->kiln_version + ", but this is Kiln " + KILN_VERSION +
             ": compile it again with this kiln";
    return std::nullopt;
  }
  return LoadedModule{handle, desc};
}

// Compiles `bytes` into a shared object, through the cache unless disabled,
// and loads it. `temp` receives a private directory when one is needed.
LoadedModule compileAndLoad(const Options& options, std::span<const uint8_t> bytes,
                            std::unique_ptr<TempDir>& temp) {
  std::optional<std::string> cached;
  if (!options.noCache) {
    if (std::optional<std::string> dir = cacheDirectory())
      cached = *dir + "/" + cacheEntryName(bytes, options.codegen);
  }
  std::string error;
  if (cached && ::access(cached->c_str(), R_OK) == 0) {
    if (std::optional<LoadedModule> module = load(*cached, &error)) return *module;
    ::unlink(cached->c_str());  // stale or damaged: compile it again
  }

  wasm::Module module = decodeModule(options.input, bytes);
  if (cached) {
    // A cache that cannot be written is no reason to fail the run.
    try {
      OutputFile probe(*cached);
    } catch (const DriverError&) {
      cached.reset();
    }
  }
  std::string path;
  if (cached) {
    path = *cached;
  } else {
    temp = std::make_unique<TempDir>();
    path = temp->file(fileStem(options.input) + ".so");
  }
  compileModule(module, options.input, options.codegen, OutputKind::Shared, path);
  std::optional<LoadedModule> loaded = load(path, &error);
  if (!loaded) throw DriverError(error);
  return *loaded;
}

bool isSharedObject(std::span<const uint8_t> bytes) {
  return bytes.size() >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F';
}

void printTrap(const Trap& trap) {
  std::string report = trap.report();
  if (report.empty() || report.back() != '\n') report += '\n';
  std::fflush(stdout);
  std::fputs(report.c_str(), stderr);
}

int invoke(const Options& options, const kiln_module_desc* desc, const std::vector<std::string>& env) {
  const std::string& name = *options.invoke;
  WasiOptions wasi;
  wasi.args = {options.input};
  wasi.env = env;
  wasi.preopens = options.dirs;
  std::string stateError;
  std::unique_ptr<WasiState> state = makeWasiState(wasi, &stateError);
  if (!state) throw DriverError(stateError);
  std::unique_ptr<DaggerState> dagger = makeDaggerState(daggerOptions(options));
  ImportResolver resolver = chainResolvers(wasiResolver(*state), daggerResolver(*dagger));
  RunOptions run = runOptions(options);
  if (run.timeout) run.store.requireInterruptible = true;
  Store store(run.store);
  if (run.timeout) store.setTimeout(*run.timeout);
  InstantiateError instantiateError;
  Instance* instance = store.instantiate(desc, resolver, &instantiateError);
  if (!instance) {
    if (instantiateError.trap && instantiateError.trap->exitStatus) return *instantiateError.trap->exitStatus;
    if (std::optional<int> code = wasiExitCode(*state)) return *code;
    if (instantiateError.trap) {
      printTrap(*instantiateError.trap);
      return KILN_TRAP_EXIT_STATUS;
    }
    throw DriverError(options.input + ": " + instantiateError.message);
  }

  std::optional<Extern> exported = instance->exportNamed(name);
  if (!exported || exported->kind != KILN_EXTERN_FUNC || !exported->func) {
    // One short line whatever the module: the first few names, each cut,
    // and how many more there are.
    auto shortened = [](const std::string& text) {
      return text.size() <= 40 ? text : text.substr(0, 37) + "...";
    };
    constexpr size_t kListed = 8;
    std::string functions;
    size_t count = 0;
    for (const std::string& exportName : instance->exportNames()) {
      std::optional<Extern> e = instance->exportNamed(exportName);
      if (!e || e->kind != KILN_EXTERN_FUNC) continue;
      if (count++ < kListed) functions += (functions.empty() ? "" : ", ") + shortened(exportName);
    }
    if (count > kListed) functions += " and " + std::to_string(count - kListed) + " more";
    throw usageError(options.input + " exports no function named '" + shortened(name) + "'" +
                     (functions.empty() ? std::string(" (it exports no functions)")
                                        : " (its functions: " + functions + ")"));
  }

  const std::vector<uint8_t>& params = exported->params;
  const std::vector<uint8_t>& results = exported->results;
  if (options.args.size() != params.size()) {
    std::string signature;
    for (uint8_t type : params) signature += (signature.empty() ? "" : ", ") + std::string(valTypeName(type));
    throw usageError("'" + name + "' takes " + std::to_string(params.size()) + " argument" +
                     (params.size() == 1 ? "" : "s") + (signature.empty() ? "" : " (" + signature + ")") + ", not " +
                     std::to_string(options.args.size()));
  }
  std::vector<kiln_val> values(std::max<size_t>({params.size(), results.size(), 1}));
  for (size_t i = 0; i < params.size(); ++i) {
    std::string error;
    std::optional<kiln_val> value = parseValue(options.args[i], params[i], &error);
    if (!value) throw usageError("argument " + std::to_string(i + 1) + " of '" + name + "': " + error);
    values[i] = *value;
  }

  std::optional<Trap> trap = store.call(exported->func, values.data());
  if (trap && !trap->error.empty()) throw DriverError(trap->error);
  if (trap && trap->exitStatus) return *trap->exitStatus;  // proc_exit
  if (std::optional<int> code = wasiExitCode(*state)) return *code;
  if (trap) {
    printTrap(*trap);
    return KILN_TRAP_EXIT_STATUS;
  }
  for (size_t i = 0; i < results.size(); ++i) std::printf("%s\n", formatValue(values[i], results[i]).c_str());
  std::fflush(stdout);
  return 0;
}


}  // namespace

// The guest's environment: kiln's own with --inherit-env, then each --env
// (a later KEY replaces an earlier one).
std::vector<std::string> guestEnvironment(const Options& options) {
  std::vector<std::string> env;
  auto set = [&](const std::string& entry) {
    std::string key = entry.substr(0, entry.find('='));
    auto same = [&](const std::string& e) { return e.compare(0, key.size() + 1, key + "=") == 0; };
    env.erase(std::remove_if(env.begin(), env.end(), same), env.end());
    env.push_back(entry);
  };
  if (options.inheritEnv)
    for (char** entry = environ; entry && *entry; ++entry) set(*entry);
  for (const std::string& entry : options.env) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) throw usageError("--env expects KEY=VALUE, not '" + entry + "'");
    set(entry);
  }
  return env;
}

// The store and run settings of --timeout, --fuel, --max-memory, --max-stack.
RunOptions runOptions(const Options& options) {
  RunOptions run;
  run.store.limits.maxMemoryBytes = options.maxMemoryBytes;
  run.store.limits.maxStackBytes = options.maxStackBytes;
  run.store.fuel = options.fuel;
  run.timeout = options.timeout;
  run.allowNet = options.allowNet;
  return run;
}

// Every granted directory must exist before a long compile.
void checkGrantedDirectories(const Options& options) {
  for (const WasiPreopen& dir : options.dirs) {
    struct stat st;
    if (::stat(dir.hostPath.c_str(), &st) != 0)
      throw DriverError(std::string(dir.readOnly ? "--dir-ro" : "--dir") + ": cannot use '" + dir.hostPath +
                        "': " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode))
      throw DriverError(std::string(dir.readOnly ? "--dir-ro" : "--dir") + ": '" + dir.hostPath +
                        "' is not a directory");
  }
}

const kiln_module_desc* loadModule(const Options& options) {
  std::vector<uint8_t> bytes = readFile(options.input);
  std::unique_ptr<TempDir> temp;
  LoadedModule module;
  if (isSharedObject(bytes)) {
    // Made earlier by `kiln compile --emit=shared`: load it as it is.
    std::string error;
    std::string path = options.input.find('/') == std::string::npos ? "./" + options.input : options.input;
    std::optional<LoadedModule> loaded = load(path, &error);
    if (!loaded) throw DriverError(options.input + ": " + error);
    module = *loaded;
  } else {
    module = compileAndLoad(options, bytes, temp);
  }
  // The object is mapped; a private copy on disk is no longer needed (temp
  // goes here). LLVM's signal handlers (installed to remove temporary
  // files on a crash) must not stand between guest code and the runtime's
  // fault handler.
  llvm::sys::unregisterHandlers();
  return module.desc;
}

int runCommand(const Options& options) {
  std::vector<std::string> env = guestEnvironment(options);
  checkGrantedDirectories(options);
  // This process is the guest's: a write to a closed pipe must reach it as
  // EPIPE, as for a native program that ignores SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  const kiln_module_desc* desc = loadModule(options);
  if (options.invoke) return invoke(options, desc, env);

  WasiOptions wasi;
  wasi.args.push_back(options.input);
  wasi.args.insert(wasi.args.end(), options.args.begin(), options.args.end());
  wasi.env = std::move(env);
  wasi.preopens = options.dirs;
  std::fflush(stdout);
  return runWasiCommand(desc, wasi, runOptions(options));
}

}  // namespace kiln::driver
