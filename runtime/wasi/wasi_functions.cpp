// WASI preview 1: every function of wasi_snapshot_preview1 with its exact
// wasm signature, the resolver that binds them, and the WASI state.
// Functions not implemented yet return ENOSYS: a module importing them links
// and runs, and learns at the call that the feature is missing.
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "rt_wasi.h"

namespace kiln {
namespace wasi {

const char kEnvTag = 0;

WasiState* stateOf(kiln_vmctx* vmctx) {
  if (auto* state = static_cast<WasiState*>(hostEnv(vmctx, &kEnvTag))) return state;
  thread_local WasiState unbound;
  return &unbound;
}

namespace {

template <typename T>
constexpr uint8_t valtypeOf() {
  if constexpr (std::is_same_v<T, int32_t>) return KILN_I32;
  else if constexpr (std::is_same_v<T, int64_t>) return KILN_I64;
  else if constexpr (std::is_same_v<T, float>) return KILN_F32;
  else {
    static_assert(std::is_same_v<T, double>, "WASI functions take i32, i64, f32 or f64");
    return KILN_F64;
  }
}

// The HostFunc for a native function, its wasm signature derived from the
// C++ one.
template <typename R, typename... A>
HostFunc hostFunc(R (*fn)(kiln_vmctx*, A...)) {
  HostFunc f;
  f.code = reinterpret_cast<void*>(fn);
  f.params = {valtypeOf<A>()...};
  if constexpr (!std::is_void_v<R>) f.results = {valtypeOf<R>()};
  return f;
}

template <typename... A>
int32_t notImplemented(kiln_vmctx*, A...) {
  return kEnosys;
}

using I = int32_t;
using L = int64_t;

const std::unordered_map<std::string_view, HostFunc>& functions() {
  static const auto* table = new std::unordered_map<std::string_view, HostFunc>{
      {"args_get", hostFunc(&args_get)},
      {"args_sizes_get", hostFunc(&args_sizes_get)},
      {"environ_get", hostFunc(&environ_get)},
      {"environ_sizes_get", hostFunc(&environ_sizes_get)},
      {"clock_res_get", hostFunc(&clock_res_get)},
      {"clock_time_get", hostFunc(&clock_time_get)},
      {"fd_advise", hostFunc(&notImplemented<I, L, L, I>)},
      {"fd_allocate", hostFunc(&notImplemented<I, L, L>)},
      {"fd_close", hostFunc(&fd_close)},
      {"fd_datasync", hostFunc(&notImplemented<I>)},
      {"fd_fdstat_get", hostFunc(&fd_fdstat_get)},
      {"fd_fdstat_set_flags", hostFunc(&notImplemented<I, I>)},
      {"fd_fdstat_set_rights", hostFunc(&notImplemented<I, L, L>)},
      {"fd_filestat_get", hostFunc(&notImplemented<I, I>)},
      {"fd_filestat_set_size", hostFunc(&notImplemented<I, L>)},
      {"fd_filestat_set_times", hostFunc(&notImplemented<I, L, L, I>)},
      {"fd_pread", hostFunc(&notImplemented<I, I, I, L, I>)},
      {"fd_prestat_get", hostFunc(&fd_prestat_get)},
      {"fd_prestat_dir_name", hostFunc(&fd_prestat_dir_name)},
      {"fd_pwrite", hostFunc(&notImplemented<I, I, I, L, I>)},
      {"fd_read", hostFunc(&fd_read)},
      {"fd_readdir", hostFunc(&notImplemented<I, I, I, L, I>)},
      {"fd_renumber", hostFunc(&notImplemented<I, I>)},
      {"fd_seek", hostFunc(&fd_seek)},
      {"fd_sync", hostFunc(&notImplemented<I>)},
      {"fd_tell", hostFunc(&fd_tell)},
      {"fd_write", hostFunc(&fd_write)},
      {"path_create_directory", hostFunc(&notImplemented<I, I, I>)},
      {"path_filestat_get", hostFunc(&notImplemented<I, I, I, I, I>)},
      {"path_filestat_set_times", hostFunc(&notImplemented<I, I, I, I, L, L, I>)},
      {"path_link", hostFunc(&notImplemented<I, I, I, I, I, I, I>)},
      {"path_open", hostFunc(&notImplemented<I, I, I, I, I, L, L, I, I>)},
      {"path_readlink", hostFunc(&notImplemented<I, I, I, I, I, I>)},
      {"path_remove_directory", hostFunc(&notImplemented<I, I, I>)},
      {"path_rename", hostFunc(&notImplemented<I, I, I, I, I, I>)},
      {"path_symlink", hostFunc(&notImplemented<I, I, I, I, I>)},
      {"path_unlink_file", hostFunc(&notImplemented<I, I, I>)},
      {"poll_oneoff", hostFunc(&notImplemented<I, I, I, I>)},
      {"proc_exit", hostFunc(&proc_exit)},
      {"proc_raise", hostFunc(&notImplemented<I>)},
      {"sched_yield", hostFunc(&sched_yield)},
      {"random_get", hostFunc(&random_get)},
      {"sock_accept", hostFunc(&notImplemented<I, I, I>)},
      {"sock_recv", hostFunc(&notImplemented<I, I, I, I, I, I>)},
      {"sock_send", hostFunc(&notImplemented<I, I, I, I, I>)},
      {"sock_shutdown", hostFunc(&notImplemented<I, I>)},
  };
  return *table;
}

}  // namespace
}  // namespace wasi

std::unique_ptr<WasiState> makeWasiState(const WasiOptions& options) {
  auto state = std::make_unique<WasiState>();
  state->args = options.args;
  state->env = options.env;
  return state;
}

ImportResolver wasiResolver(WasiState& state) {
  ImportResolver resolver;
  WasiState* statePtr = &state;
  resolver.hostFunc = [statePtr](std::string_view module, std::string_view name) -> std::optional<HostFunc> {
    if (module != "wasi_snapshot_preview1") return std::nullopt;
    const auto& table = wasi::functions();
    auto it = table.find(name);
    if (it == table.end()) return std::nullopt;
    HostFunc f = it->second;
    f.envTag = &wasi::kEnvTag;
    f.env = statePtr;
    return f;
  };
  return resolver;
}

std::optional<int> wasiExitCode(const WasiState& state) { return state.exitCode; }

}  // namespace kiln

void std::default_delete<kiln::WasiState>::operator()(kiln::WasiState* state) const { delete state; }
