// Kiln's C extensions (include/kiln/kiln.h): precompiled modules with
// errors, store limits, timeouts, interrupt handles, fuel, trap kinds and
// WASI commands, over the same objects as the standard API (capi_objects.cpp).
#include <kiln/kiln.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <tuple>

#include "capi_internal.h"
#include "rt_fd.h"
#include "rt_store.h"

struct kiln_error_t {
  std::string message;
};

struct kiln_interrupt_handle_t {
  kiln::InterruptHandle handle;
};

struct kiln_wasi_config_t {
  kiln::WasiOptions options;
  bool inherit = false;
  std::string input;
  kiln_output_callback_t out = nullptr, err = nullptr;
  void* outEnv = nullptr;
  void* errEnv = nullptr;
  std::string inPath, outPath, errPath;  // files instead (empty: none)
};

namespace {

kiln_error_t* error(std::string message) { return new kiln_error_t{std::move(message)}; }

kiln_error_t* load(wasm_store_t* store, std::string bytes, wasm_module_t** out, const std::string& what) {
  *out = nullptr;
  std::string problem;
  std::shared_ptr<kiln::capi::Image> image = kiln::capi::loadImage(std::move(bytes), &problem);
  if (!image) return error(what.empty() ? problem : what + ": " + problem);
  *out = new wasm_module_t(store, std::move(image));
  return nullptr;
}

// A descriptor of an output file, closed on destruction.
struct OutputFd {
  int fd = -1;
  ~OutputFd() {
    if (fd >= 0) close(fd);
  }
};

std::function<bool(std::string_view)> fileSink(int fd) {
  return [fd](std::string_view bytes) { return kiln::rt::writeAllToFd(fd, bytes.data(), bytes.size()); };
}

std::function<bool(std::string_view)> sink(kiln_output_callback_t callback, void* env) {
  if (!callback) return {};
  return [callback, env](std::string_view bytes) {
    return callback(env, reinterpret_cast<const byte_t*>(bytes.data()), bytes.size());
  };
}

}  // namespace

extern "C" {

const char* kiln_error_message(const kiln_error_t* e) { return e->message.c_str(); }
void kiln_error_delete(kiln_error_t* e) { delete e; }

kiln_error_t* kiln_module_load(wasm_store_t* store, const char* path, wasm_module_t** out) {
  *out = nullptr;
  std::ifstream in(path, std::ios::binary);
  if (!in) return error(std::string("cannot read '") + path + "': " + strerror(errno));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return error(std::string("cannot read '") + path + "'");
  return load(store, std::move(bytes), out, path);
}

kiln_error_t* kiln_module_load_bytes(wasm_store_t* store, const wasm_byte_vec_t* bytes, wasm_module_t** out) {
  *out = nullptr;
  if (!bytes || !bytes->data) return error("no bytes given");
  if (bytes->size >= 4 && std::memcmp(bytes->data, "\x7f" "ELF", 4) == 0)
    return load(store, std::string(bytes->data, bytes->size), out, "");
  std::string problem;
  std::shared_ptr<kiln::capi::Image> image = kiln::capi::deserialize(bytes->data, bytes->size, &problem);
  if (!image) return error(problem);
  *out = new wasm_module_t(store, std::move(image));
  return nullptr;
}

kiln_error_t* kiln_module_compile(wasm_store_t* store, const wasm_byte_vec_t* wasm, wasm_module_t** out) {
  *out = nullptr;
  if (!kiln::capi::compileToSharedObject)
    return error("this program was linked without Kiln's compiler (Kiln::compiler): compile ahead of time with "
                 "`kiln compile --emit=shared` and load the result with kiln_module_load");
  if (!wasm || !wasm->data) return error("no bytes given");
  std::string so, problem;
  if (!kiln::capi::compileToSharedObject(reinterpret_cast<const uint8_t*>(wasm->data), wasm->size, &so, &problem))
    return error(problem);
  return load(store, std::move(so), out, "");
}

void kiln_config_max_memory(wasm_config_t* c, uint64_t bytes) { c->store.limits.maxMemoryBytes = bytes; }
void kiln_config_max_table_elements(wasm_config_t* c, uint64_t count) { c->store.limits.maxTableElements = count; }
void kiln_config_max_instances(wasm_config_t* c, uint32_t count) { c->store.limits.maxInstances = count; }
void kiln_config_max_stack(wasm_config_t* c, uint64_t bytes) { c->store.limits.maxStackBytes = bytes; }
void kiln_config_fuel(wasm_config_t* c, uint64_t fuel) { c->store.fuel = fuel; }
void kiln_config_require_interruptible(wasm_config_t* c, bool require) { c->store.requireInterruptible = require; }

void kiln_store_set_timeout(wasm_store_t* store, uint64_t ns) {
  store->store.setTimeout(std::chrono::nanoseconds(static_cast<int64_t>(std::min<uint64_t>(ns, INT64_MAX))));
}
void kiln_store_clear_timeout(wasm_store_t* store) { store->store.clearDeadline(); }

bool kiln_store_fuel(const wasm_store_t* store, uint64_t* fuel) {
  std::optional<uint64_t> left = store->store.fuel();
  if (left && fuel) *fuel = *left;
  return left.has_value();
}
bool kiln_store_set_fuel(wasm_store_t* store, uint64_t fuel) { return store->store.setFuel(fuel); }
uint64_t kiln_store_memory_bytes(const wasm_store_t* store) { return store->store.memoryBytes(); }

kiln_interrupt_handle_t* kiln_store_interrupt_handle(const wasm_store_t* store) {
  return new kiln_interrupt_handle_t{store->store.interruptHandle()};
}
void kiln_interrupt_handle_interrupt(const kiln_interrupt_handle_t* h) { h->handle.interrupt(); }
void kiln_interrupt_handle_delete(kiln_interrupt_handle_t* h) { delete h; }

const char* kiln_trap_kind(const wasm_trap_t* trap) { return kiln::trapName(trap->data->code); }
bool kiln_trap_exit_status(const wasm_trap_t* trap, int* status) {
  if (trap->data->exited && status) *status = trap->data->exitStatus;
  return trap->data->exited;
}

kiln_wasi_config_t* kiln_wasi_config_new(void) { return new kiln_wasi_config_t; }
void kiln_wasi_config_delete(kiln_wasi_config_t* c) { delete c; }
void kiln_wasi_config_arg(kiln_wasi_config_t* c, const char* arg) { c->options.args.emplace_back(arg); }
void kiln_wasi_config_env(kiln_wasi_config_t* c, const char* key, const char* value) {
  c->options.env.push_back(std::string(key) + "=" + value);
}
void kiln_wasi_config_preopen_dir(kiln_wasi_config_t* c, const char* host, const char* guest, bool readOnly) {
  c->options.preopens.push_back(kiln::WasiPreopen{host, guest ? guest : "", readOnly});
}
void kiln_wasi_config_stdin_bytes(kiln_wasi_config_t* c, const wasm_byte_vec_t* bytes) {
  c->input.assign(bytes && bytes->data ? std::string(bytes->data, bytes->size) : std::string());
  c->inPath.clear();
}
void kiln_wasi_config_stdout(kiln_wasi_config_t* c, kiln_output_callback_t callback, void* env) {
  c->out = callback;
  c->outEnv = env;
  c->outPath.clear();
}
void kiln_wasi_config_stderr(kiln_wasi_config_t* c, kiln_output_callback_t callback, void* env) {
  c->err = callback;
  c->errEnv = env;
  c->errPath.clear();
}
void kiln_wasi_config_stdin_file(kiln_wasi_config_t* c, const char* path) { c->inPath = path ? path : ""; }
void kiln_wasi_config_stdout_file(kiln_wasi_config_t* c, const char* path) {
  c->outPath = path ? path : "";
  c->out = nullptr;
}
void kiln_wasi_config_stderr_file(kiln_wasi_config_t* c, const char* path) {
  c->errPath = path ? path : "";
  c->err = nullptr;
}
void kiln_wasi_config_inherit_stdio(kiln_wasi_config_t* c) { c->inherit = true; }

kiln_error_t* kiln_wasi_run(wasm_engine_t* engine, const wasm_module_t* module, const kiln_wasi_config_t* config,
                            uint64_t timeoutNs, int* status, wasm_trap_t** trap) {
  if (trap) *trap = nullptr;
  if (!module || !config) return error("no module or WASI configuration given");
  kiln::WasiOptions options = config->options;
  OutputFd outFile, errFile;
  if (!config->inherit) {
    kiln::WasiStdio stdio;
    stdio.input = config->input;
    stdio.output = sink(config->out, config->outEnv);
    stdio.errors = sink(config->err, config->errEnv);
    if (!config->inPath.empty()) {
      std::ifstream in(config->inPath, std::ios::binary);
      if (!in) return error("cannot read '" + config->inPath + "' for the guest's stdin: " + strerror(errno));
      stdio.input.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    for (auto [path, file, target] : {std::tuple{&config->outPath, &outFile, &stdio.output},
                                      std::tuple{&config->errPath, &errFile, &stdio.errors}}) {
      if (path->empty()) continue;
      file->fd = open(path->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
      if (file->fd < 0) return error("cannot write '" + *path + "' for the guest's output: " + strerror(errno));
      *target = fileSink(file->fd);
    }
    options.stdio = std::move(stdio);
  }
  kiln::RunOptions run;
  if (engine) run.store = engine->store;
  run.prepared = module->image->prepared;
  if (timeoutNs) {
    run.timeout = std::chrono::nanoseconds(static_cast<int64_t>(std::min<uint64_t>(timeoutNs, INT64_MAX)));
    run.store.requireInterruptible = true;
  }
  kiln::WasiCommandResult result = kiln::executeWasiCommand(module->image->desc, options, run);
  if (!result.error.empty()) return error(result.error);
  if (status) *status = result.status;
  if (result.trap && trap) *trap = kiln::capi::makeTrap(nullptr, *result.trap);
  return nullptr;
}

}  // extern "C"
