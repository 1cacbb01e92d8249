// The embedding API of the Kiln runtime (libkiln-rt): instantiate a compiled
// module from its descriptor, resolve its imports, call its exports with trap
// protection. `kiln run`, executables built by `kiln build`, and the spec-test
// runner all use this and nothing else.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/abi.h"

namespace kiln {
struct WasiState;  // opaque; see makeWasiState below
}  // namespace kiln

// Lets std::unique_ptr<kiln::WasiState> be destroyed where WasiState is
// incomplete (the runtime defines this deleter).
template <>
struct std::default_delete<kiln::WasiState> {
  void operator()(kiln::WasiState* state) const;
};

namespace kiln {

// The spec's wording for each trap ("integer divide by zero", ...), which the
// spec tests match against.
const char* trapMessage(kiln_trap_code code);
// A short identifier ("divide_by_zero", ...) for the trap report.
const char* trapName(kiln_trap_code code);

struct Trap {
  kiln_trap_code code = KILN_TRAP_NONE;
  std::vector<std::string> frames;  // wasm function names, innermost first
  size_t droppedFrames = 0;         // further (outer) frames not recorded
  // Set when the call did not trap but the guest exited (WASI proc_exit,
  // exitGuest); code is then KILN_TRAP_NONE.
  std::optional<int> exitStatus;
  // Report, one line each, every line ending in '\n':
  //   kiln: trap: integer divide by zero (divide_by_zero)
  //     at #0 div_helper
  //     at #1 _start
  std::string report() const;
};

// A global's storage: one 16-byte cell, shared by every instance that
// imports it.
struct GlobalCell {
  kiln_val value;
};

// An external value: what an import resolves to and what an export yields.
struct Extern {
  kiln_extern_kind kind = KILN_EXTERN_FUNC;
  kiln_func* func = nullptr;        // kind == FUNC
  kiln_table* table = nullptr;      // kind == TABLE
  kiln_memory* memory = nullptr;    // kind == MEMORY
  kiln_val* global = nullptr;       // kind == GLOBAL
  uint8_t globalType = KILN_I32;    // kind == GLOBAL
  bool globalMutable = false;       // kind == GLOBAL
  // FUNC: the signature, for link-time type checks.
  std::vector<uint8_t> params, results;
};

// A host function: a native function with the compiled-code convention
// (kiln_vmctx* first, then the wasm parameters). The runtime calls it with
// the importing instance's vmctx. It runs between compiled frames: it must
// not throw C++ exceptions, and it may end the guest's call with
// kiln_rt_trap or exitGuest only while it owns no resources (both unwind
// with siglongjmp, running no destructors).
struct HostFunc {
  void* code = nullptr;
  std::vector<uint8_t> params;
  std::vector<uint8_t> results;
  // Optional state for the function, bound to the importing instance: the
  // function finds it again with hostEnv(vmctx, envTag). envTag is any
  // address unique to the provider (WASI uses one of its own statics), so
  // that several providers (WASI, Dagger, the embedder) can each keep state
  // for the same instance.
  const void* envTag = nullptr;
  void* env = nullptr;
};

// For host functions: the env that a HostFunc with this envTag carried when
// it was bound to the instance owning vmctx, or nullptr.
void* hostEnv(const kiln_vmctx* vmctx, const void* envTag);

// For host functions: ends the guest's current call as an exit with this
// status (WASI proc_exit). Instance::call returns a Trap whose exitStatus is
// set. Unwinds like a trap; the calling host function must own no resources.
[[noreturn]] void exitGuest(int status);

// Resolves one import. Returns nullopt when nothing by that name exists; the
// runtime then reports "unknown import". Host functions are returned as
// HostFunc and bound to the importing instance by the runtime.
struct ImportResolver {
  std::function<std::optional<HostFunc>(std::string_view module, std::string_view name)> hostFunc;
  std::function<std::optional<Extern>(std::string_view module, std::string_view name)> external;
};

struct InstantiateError {
  enum class Kind { Unlinkable, Trap, Other } kind = Kind::Other;
  std::string message;
  std::optional<Trap> trap;  // Kind::Trap (a segment out of bounds, or the start function trapped)
};

class Instance {
 public:
  // Checks the ABI version and flags, resolves imports, allocates memory,
  // tables and globals, applies element and data segments, and runs the
  // start function. On failure returns nullptr and fills *error.
  static std::unique_ptr<Instance> create(const kiln_module_desc* module, const ImportResolver& imports,
                                          void* host, InstantiateError* error);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  const kiln_module_desc* module() const;
  kiln_vmctx* vmctx();
  std::optional<Extern> exportNamed(std::string_view name);
  std::vector<std::string> exportNames() const;

  // Calls any function (exported or from a table) with arguments in
  // args[0..params) and results written to args[0..results). args must hold
  // max(params, results) values. Returns the trap, if the call trapped.
  std::optional<Trap> call(const kiln_func* func, kiln_val* args);

  struct Impl;

 private:
  explicit Instance(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Memories, tables and globals made by the host, to satisfy imports (for
// example the spec tests' "spectest" module). What an instance imports from
// here stays alive as long as that instance, even after the HostStore.
class HostStore {
 public:
  HostStore();
  ~HostStore();
  HostStore(const HostStore&) = delete;
  HostStore& operator=(const HostStore&) = delete;
  // Limits as in the module format (pages / elements, max KILN_NO_MAX when
  // absent). nullopt (with *error set) when the limits are beyond the
  // runtime's caps or memory cannot be reserved.
  std::optional<Extern> memory(uint64_t minPages, uint64_t maxPages, std::string* error = nullptr);
  std::optional<Extern> table(uint8_t elemType, uint64_t min, uint64_t max, std::string* error = nullptr);
  Extern global(uint8_t type, bool isMutable, kiln_val value);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// ---- WASI preview 1 -------------------------------------------------------

// A directory granted to the guest (`--dir HOST[::GUEST]`, `--dir-ro`): a
// preopened descriptor for the host directory `hostPath`, which the guest
// knows by the name `guestPath` (empty: hostPath as given). Paths the guest
// resolves through it never leave it (not by "..", absolute paths or
// symlinks). A read-only grant carries no right that creates, changes or
// removes anything. See docs/wasi.md.
struct WasiPreopen {
  std::string hostPath;
  std::string guestPath;
  bool readOnly = false;
};

struct WasiOptions {
  std::vector<std::string> args;  // argv, including argv[0]
  std::vector<std::string> env;   // "KEY=VALUE"
  // Preopened directories, descriptors 3, 4, ... in this order. None: the
  // guest sees no files at all.
  std::vector<WasiPreopen> preopens = {};
};

// Runs a WASI command module: instantiate with WASI imports, call `_start`
// (or `main` when there is no `_start`). Returns the process exit status:
// the guest's proc_exit code, 0 when _start returns, KILN_TRAP_EXIT_STATUS
// after a trap (whose report goes to stderr), or 1 with a message when the
// module cannot be instantiated or a preopened directory cannot be opened.
// SIGPIPE is ignored from then on: a write to a closed pipe is EPIPE.
int runWasiCommand(const kiln_module_desc* module, const WasiOptions& options);

// The resolver for "wasi_snapshot_preview1" imports. The returned resolver
// refers to state owned by `state`, which must outlive the instance.
// WasiState stays opaque; std::unique_ptr<WasiState> works anywhere thanks
// to the default_delete specialisation at the top of this header.
// Opens the preopened directories now: when one cannot be opened, returns
// nullptr and says why in *error (when given).
std::unique_ptr<WasiState> makeWasiState(const WasiOptions& options, std::string* error = nullptr);
ImportResolver wasiResolver(WasiState& state);
// Set when the guest called proc_exit.
std::optional<int> wasiExitCode(const WasiState& state);

}  // namespace kiln
