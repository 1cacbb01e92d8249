// WASI preview 1: every function of wasi_snapshot_preview1 with its exact
// wasm signature (derived from the C++ one), the resolver that binds them,
// the WASI state, and how host calls wait and end interrupted calls.
#include <poll.h>

#include <cstring>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "rt_instance.h"
#include "rt_store.h"
#include "rt_wasi.h"

namespace kiln {
namespace wasi {

const char kEnvTag = 0;

WasiState* stateOf(kiln_vmctx* vmctx) { return static_cast<WasiState*>(hostEnv(vmctx, &kEnvTag)); }

Descriptor* descriptorOf(kiln_vmctx* vmctx, int32_t fd) {
  WasiState* state = stateOf(vmctx);
  return state ? state->fds.get(fd) : nullptr;
}

int32_t endIfInterrupted(kiln_vmctx* vmctx, int32_t result, int32_t outsideCall) {
  if (result != kInterruptedCall) return result;
  // Inside Store::call the store's depth counts this call; a host function
  // the embedder calls directly has no guest call to end (and kiln_rt_trap
  // would have nothing to unwind to).
  rt::InstanceData* inst = rt::instanceOf(vmctx);
  if (!inst || inst->store->depth == 0) return outsideCall;
  kiln_rt_trap(vmctx, KILN_TRAP_INTERRUPTED, UINT32_MAX);
}

int StoreWaiter::wait(int fd, short events) {
  pollfd p{fd, events, 0};
  int error = 0;
  switch (rt::waitForHost(vmctx_, &p, 1, -1, &error)) {
    case rt::WaitStatus::Ready:
    case rt::WaitStatus::TimedOut: return 0;  // no timeout was asked for: not reached
    case rt::WaitStatus::Interrupted: return io::kInterrupted;
    case rt::WaitStatus::Error: return error;
  }
  return 0;
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

const std::unordered_map<std::string_view, HostFunc>& functions() {
  static const auto* table = new std::unordered_map<std::string_view, HostFunc>{
      {"args_get", hostFunc(&args_get)},
      {"args_sizes_get", hostFunc(&args_sizes_get)},
      {"environ_get", hostFunc(&environ_get)},
      {"environ_sizes_get", hostFunc(&environ_sizes_get)},
      {"clock_res_get", hostFunc(&clock_res_get)},
      {"clock_time_get", hostFunc(&clock_time_get)},
      {"fd_advise", hostFunc(&fd_advise)},
      {"fd_allocate", hostFunc(&fd_allocate)},
      {"fd_close", hostFunc(&fd_close)},
      {"fd_datasync", hostFunc(&fd_datasync)},
      {"fd_fdstat_get", hostFunc(&fd_fdstat_get)},
      {"fd_fdstat_set_flags", hostFunc(&fd_fdstat_set_flags)},
      {"fd_fdstat_set_rights", hostFunc(&fd_fdstat_set_rights)},
      {"fd_filestat_get", hostFunc(&fd_filestat_get)},
      {"fd_filestat_set_size", hostFunc(&fd_filestat_set_size)},
      {"fd_filestat_set_times", hostFunc(&fd_filestat_set_times)},
      {"fd_pread", hostFunc(&fd_pread)},
      {"fd_prestat_get", hostFunc(&fd_prestat_get)},
      {"fd_prestat_dir_name", hostFunc(&fd_prestat_dir_name)},
      {"fd_pwrite", hostFunc(&fd_pwrite)},
      {"fd_read", hostFunc(&fd_read)},
      {"fd_readdir", hostFunc(&fd_readdir)},
      {"fd_renumber", hostFunc(&fd_renumber)},
      {"fd_seek", hostFunc(&fd_seek)},
      {"fd_sync", hostFunc(&fd_sync)},
      {"fd_tell", hostFunc(&fd_tell)},
      {"fd_write", hostFunc(&fd_write)},
      {"path_create_directory", hostFunc(&path_create_directory)},
      {"path_filestat_get", hostFunc(&path_filestat_get)},
      {"path_filestat_set_times", hostFunc(&path_filestat_set_times)},
      {"path_link", hostFunc(&path_link)},
      {"path_open", hostFunc(&path_open)},
      {"path_readlink", hostFunc(&path_readlink)},
      {"path_remove_directory", hostFunc(&path_remove_directory)},
      {"path_rename", hostFunc(&path_rename)},
      {"path_symlink", hostFunc(&path_symlink)},
      {"path_unlink_file", hostFunc(&path_unlink_file)},
      {"poll_oneoff", hostFunc(&poll_oneoff)},
      {"proc_exit", hostFunc(&proc_exit)},
      {"proc_raise", hostFunc(&proc_raise)},
      {"sched_yield", hostFunc(&sched_yield)},
      {"random_get", hostFunc(&random_get)},
      {"sock_accept", hostFunc(&sock_accept)},
      {"sock_recv", hostFunc(&sock_recv)},
      {"sock_send", hostFunc(&sock_send)},
      {"sock_shutdown", hostFunc(&sock_shutdown)},
  };
  return *table;
}

}  // namespace
}  // namespace wasi

std::unique_ptr<WasiState> makeWasiState(const WasiOptions& options, std::string* error) {
  auto state = std::make_unique<WasiState>();
  if (options.stdio)
    wasi::addCallerStdio(state->fds, *options.stdio);
  else
    wasi::addStdio(state->fds);
  state->args = options.args;
  state->env = options.env;
  for (const WasiPreopen& preopen : options.preopens) {
    if (int hostError = wasi::addPreopen(state->fds, preopen)) {
      if (error)
        *error = "cannot open directory '" + preopen.hostPath + "' (granted to the guest as '" +
                 (preopen.guestPath.empty() ? preopen.hostPath : preopen.guestPath) + "'): " + std::strerror(hostError);
      return nullptr;
    }
  }
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
