// The embedding API of the Kiln runtime (libkiln-rt): make a Store, instantiate
// compiled modules in it from their descriptors, resolve their imports, call
// their exports with trap protection, bound what they may use, and interrupt
// them from any thread. `kiln run`, executables built by `kiln build`, and the
// spec-test runner all use this and nothing else. docs/embedding.md explains
// it with a complete example.
#pragma once

#include <signal.h>

#include <chrono>
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
  // Set when the call could not be made at all (the function belongs to
  // another store, the store is in use on another thread, the thread cannot
  // be prepared to run wasm); code is then KILN_TRAP_NONE.
  std::string error;
  std::vector<std::string> frames;  // wasm function names, innermost first
  // For each of frames: the module and function index (nullptr and
  // UINT32_MAX when unknown).
  struct Origin {
    const kiln_module_desc* module = nullptr;
    uint32_t funcIndex = UINT32_MAX;
  };
  std::vector<Origin> origins;
  size_t droppedFrames = 0;         // further (outer) frames not recorded
  // KILN_TRAP_HOST: the message the failing host function gave.
  std::string message;
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

// A host function whose arguments and results travel in an array, made once
// per store (Store::hostFunction) and usable like any function of the store:
// as an import, in a table, or called with Store::call. This is what the
// C API's callbacks are; unlike HostFunc it never unwinds the host: a
// failure is returned, and the runtime turns it into a trap.
struct ArrayHostFunc {
  std::vector<uint8_t> params;
  std::vector<uint8_t> results;
  // Arguments in args[0..params), results to args[0..results) (args holds
  // max(params, results) values). Returns false, with the trap's message
  // in *message, to make the guest's call trap (KILN_TRAP_HOST,
  // Trap::message). Runs on the thread using the store; may call into wasm
  // (Store::call); must not throw.
  bool (*callback)(void* data, kiln_val* args, std::string* message) = nullptr;
  void* data = nullptr;
  // Called with data when the store is destroyed (may be null).
  void (*finalizer)(void* data) = nullptr;
};

// For host functions: the env that a HostFunc with this envTag carried when
// it was bound to the instance owning vmctx, or nullptr.
void* hostEnv(const kiln_vmctx* vmctx, const void* envTag);

// For host functions: ends the guest's current call as an exit with this
// status (WASI proc_exit). Store::call returns a Trap whose exitStatus is
// set. Unwinds like a trap; the calling host function must own no resources.
// Outside any call into wasm on this thread (a host function called directly
// by the embedder) it returns, and does nothing.
void exitGuest(int status);

// Resolves one import. Returns nullopt when nothing by that name exists; the
// runtime then reports "unknown import". Host functions are returned as
// HostFunc and bound to the importing instance by the runtime.
struct ImportResolver {
  std::function<std::optional<HostFunc>(std::string_view module, std::string_view name)> hostFunc;
  std::function<std::optional<Extern>(std::string_view module, std::string_view name)> external;
  // When set, used instead of both: the extern for the module's import
  // number `index` (in the module's import order), as the C API gives
  // imports: by position, so that two imports may share a name.
  std::function<std::optional<Extern>(uint32_t index)> byIndex;
};

struct InstantiateError {
  // Unlinkable: an import is missing or does not match. Trap: a segment is
  // out of bounds, or the start function trapped. Limit: the store's limits
  // do not allow it. Other: a bad descriptor, a module the store refuses,
  // or the host is out of memory.
  enum class Kind { Unlinkable, Trap, Limit, Other } kind = Kind::Other;
  std::string message;
  std::optional<Trap> trap;  // Kind::Trap
};

// ---- Stores ---------------------------------------------------------------

// What a store may use. The defaults bound nothing a single guest could use
// to exhaust the host except through memory (set maxMemoryBytes for
// untrusted guests).
struct StoreLimits {
  static constexpr uint64_t kUnlimited = UINT64_MAX;
  // Linear memory of all the store's memories together, in bytes.
  // memory.grow past it returns -1; a memory whose initial size passes it
  // fails the instantiation (Kind::Limit).
  uint64_t maxMemoryBytes = kUnlimited;
  // Elements of all the store's tables together: table.grow past it
  // returns -1.
  uint64_t maxTableElements = 10'000'000;
  // Instances alive in the store (those a failed instantiation had to keep
  // count too).
  uint32_t maxInstances = 10'000;
  // The guest's stack, in bytes below the point where a call first enters
  // the store's code on a thread; 0: all the thread's stack but
  // KILN_STACK_MARGIN. The same budget on every thread, as long as the
  // thread's stack has room for it.
  uint64_t maxStackBytes = 0;
};

struct StoreConfig {
  StoreLimits limits;
  // Fuel: when set, every module must be compiled with fuel metering (kiln
  // compile --fuel), and the store starts with this much. A guest that uses
  // it up traps (KILN_TRAP_OUT_OF_FUEL). Unset: metered modules run
  // unmetered.
  std::optional<uint64_t> fuel;
  // Refuse modules compiled without epoch checks (--epoch-checks=off), which
  // deadlines and interrupts cannot stop. Set it whenever you rely on them.
  bool requireInterruptible = false;
};

namespace rt {
struct StoreShared;
struct InstanceData;
}  // namespace rt

// Interrupts a store's guest from any thread: the code running in the store
// (and every later call into it) traps with KILN_TRAP_INTERRUPTED at its
// next loop iteration or call, and a host call blocked in WASI or Dagger
// returns. Copyable; safe to use after the store is gone (it then does
// nothing).
class InterruptHandle {
 public:
  InterruptHandle() = default;
  void interrupt() const;

 private:
  friend class Store;
  explicit InterruptHandle(std::shared_ptr<rt::StoreShared> shared) : shared_(std::move(shared)) {}
  std::shared_ptr<rt::StoreShared> shared_;
};

class Store;

// What instantiating a module needs that does not depend on the instance,
// worked out once (like Wasmtime's InstancePre): the canonical ids of its
// signatures (no process-wide lock per instantiation) and, when the module
// allows it, its initial memory as an image that instances map
// copy-on-write instead of copying its data segments (no page touched at
// instantiation, read-only pages shared). Immutable and safe to share among
// threads; instantiate with Store::instantiate(prepared, ...). It keeps the
// module's code registered with the fault handler for its whole life
// (instances from it then register nothing), and instances keep it alive.
// The module's code must stay loaded while it or an instance is used.
class PreparedModule : public std::enable_shared_from_this<PreparedModule> {
 public:
  // nullptr, with *error, when the descriptor is refused or the image
  // cannot be made.
  static std::shared_ptr<const PreparedModule> prepare(const kiln_module_desc* module, std::string* error = nullptr);
  ~PreparedModule();
  const kiln_module_desc* module() const;
  // Whether instances map an initial memory image (false: they copy their
  // data segments, as without preparation).
  bool hasMemoryImage() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  PreparedModule();
  std::unique_ptr<Impl> impl_;
};

// An instance, owned by its store: valid until the store is destroyed.
class Instance {
 public:
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  Store& store() const;
  const kiln_module_desc* module() const;
  kiln_vmctx* vmctx();
  std::optional<Extern> exportNamed(std::string_view name);
  std::vector<std::string> exportNames() const;
  // store().call(func, args).
  std::optional<Trap> call(const kiln_func* func, kiln_val* args);

 private:
  friend class Store;
  friend struct rt::InstanceData;
  explicit Instance(rt::InstanceData* data) : data_(data) {}
  rt::InstanceData* data_;
};

// A store owns everything instantiated in it: instances, host memories,
// tables and globals, and what failed instantiations left behind (the spec
// keeps their writes to imported tables and memories alive). Destroying the
// store frees all of it. A store is used by one thread at a time and may
// move between threads; instances link only to objects of their own store.
// Make one per request (or per tenant) and drop it when done.
class Store {
 public:
  explicit Store(StoreConfig config = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const StoreConfig& config() const;

  // Checks the ABI version and flags, resolves imports, allocates memory,
  // tables and globals, applies element and data segments, and runs the
  // start function. On failure returns nullptr and fills *error (when given).
  Instance* instantiate(const kiln_module_desc* module, const ImportResolver& imports,
                        InstantiateError* error = nullptr, void* host = nullptr);
  // The same from a prepared module: faster, and the same behaviour.
  Instance* instantiate(const PreparedModule& module, const ImportResolver& imports,
                        InstantiateError* error = nullptr, void* host = nullptr);

  // Calls any function of this store (an export, or from a table) with
  // arguments in args[0..params) and results written to args[0..results).
  // args must hold max(params, results) values. Returns the trap, if the
  // call trapped or could not be made (Trap::error).
  std::optional<Trap> call(const kiln_func* func, kiln_val* args);

  // Memories, tables and globals made by the host, to satisfy imports (for
  // example the spec tests' "spectest" module). Limits as in the module
  // format (pages / elements, max KILN_NO_MAX when absent). A memory
  // reserves address space for guard-page code (8 GiB); explicitChecksOnly
  // reserves only its maximum, and only modules compiled with
  // --bounds-checks=explicit may import it. nullopt (with *error) past the
  // store's limits or the runtime's caps.
  std::optional<Extern> memory(uint64_t minPages, uint64_t maxPages, std::string* error = nullptr,
                               bool explicitChecksOnly = false);
  std::optional<Extern> table(uint8_t elemType, uint64_t min, uint64_t max, std::string* error = nullptr);
  Extern global(uint8_t type, bool isMutable, kiln_val value);
  // A host function of this store (see ArrayHostFunc), valid until the
  // store is destroyed; nullptr when the callback is missing. Compiled code
  // calls it through the host-call thunk of its signature, which the first
  // module with that signature instantiated in the store provides; called
  // through a table before that, it traps (KILN_TRAP_HOST).
  kiln_func* hostFunction(ArrayHostFunc func);
  // The ArrayHostFunc behind func, or nullptr when func is not one of this
  // store's host functions.
  const ArrayHostFunc* arrayHostFunc(const kiln_func* func) const;

  // Interruption. A deadline stops the guest once the time has come (calls
  // made after it trap at once); setting a new one replaces it.
  void setDeadline(std::chrono::steady_clock::time_point deadline);
  // A deadline `timeout` from now; one too far to represent (centuries) is
  // the latest representable one, never an overflow into the past.
  void setTimeout(std::chrono::nanoseconds timeout);
  void clearDeadline();
  // For other threads. An interrupted store stays interrupted.
  InterruptHandle interruptHandle() const;
  bool interrupted() const;

  // Fuel left (nullopt when the store does not meter), and a new amount
  // (false when it does not meter).
  std::optional<uint64_t> fuel() const;
  bool setFuel(uint64_t fuel);

  // What the store uses now.
  uint64_t memoryBytes() const;
  uint64_t tableElements() const;
  size_t instanceCount() const;

  struct Impl;

 private:
  Instance* instantiateFrom(const kiln_module_desc* module, const PreparedModule* prepared,
                            const ImportResolver& imports, InstantiateError* error, void* host);
  std::unique_ptr<Impl> impl_;
};

// ---- Signals --------------------------------------------------------------

// The runtime turns faults in compiled code (a guard page of a linear
// memory, the stack's guard) into traps with SIGSEGV and SIGBUS handlers,
// installed when a thread first calls into wasm; they pass every fault that
// is not theirs to the handler that was installed before. An embedder that
// handles these signals itself calls setFaultHandlersEnabled(false) before
// its first call into wasm, and calls handleWasmFault from its own handler
// first: it does not return when the fault was a trap in compiled code, and
// returns false otherwise. Process-wide.
void setFaultHandlersEnabled(bool enabled);
bool handleWasmFault(int signal, siginfo_t* info, void* ucontext);

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

// The guest's descriptors 0-2 as the embedder's own objects instead of the
// process's stdin, stdout and stderr (one instance per request in a server:
// `kiln serve`). The guest reads `input` and then end of file; what it
// writes to 1 and 2 goes to `output` and `errors` (called on the guest's
// thread, in order). A sink that returns false refuses the bytes: the
// guest's write fails with ENOSPC (a server bounding a response's size).
// A sink left empty discards what it is given.
struct WasiStdio {
  std::string input;
  std::function<bool(std::string_view)> output;
  std::function<bool(std::string_view)> errors;
};

struct WasiOptions {
  std::vector<std::string> args;  // argv, including argv[0]
  std::vector<std::string> env;   // "KEY=VALUE"
  // Preopened directories, descriptors 3, 4, ... in this order. None: the
  // guest sees no files at all.
  std::vector<WasiPreopen> preopens = {};
  // Unset: the process's descriptors 0-2 (those that are open).
  std::optional<WasiStdio> stdio = std::nullopt;
};

// How to run a command: the store's limits and fuel, a timeout, and the
// hosts Dagger's http:// streams may reach (its file:// streams reach the
// WASI preopens).
struct RunOptions {
  StoreConfig store;
  // When set (for the module being run), instantiate from it.
  std::shared_ptr<const PreparedModule> prepared;
  std::optional<std::chrono::nanoseconds> timeout;
  std::vector<std::string> allowNet;  // "HOST:PORT", see kiln/dagger.h
};

// Runs a WASI command module in a store of its own: instantiate with WASI
// and Dagger imports, call `_start` (or `main` when there is no `_start`).
// Returns the process exit status: the guest's proc_exit code, 0 when _start
// returns, KILN_TRAP_EXIT_STATUS after a trap (whose report goes to stderr),
// or 1 with a message when the module cannot be instantiated or a preopened
// directory cannot be opened. Changes no process-wide state, signal
// dispositions included: a guest's write to a closed pipe or socket fails
// with EPIPE whatever SIGPIPE's disposition (the runtime keeps the signal
// from being raised, see docs/wasi.md). With run.timeout, a guest blocked
// in a host call (reading stdin, sleeping, waiting for a socket) is stopped
// too: it traps with KILN_TRAP_INTERRUPTED.
int runWasiCommand(const kiln_module_desc* module, const WasiOptions& options, const RunOptions& run = {});

// The same, printing nothing: what happened, for an embedder to report.
struct WasiCommandResult {
  int status = 0;            // what runWasiCommand returns
  std::optional<Trap> trap;  // set when the guest trapped
  std::string error;         // set when it could not run at all (status 1)
};
WasiCommandResult executeWasiCommand(const kiln_module_desc* module, const WasiOptions& options,
                                     const RunOptions& run = {});

// The resolver for "wasi_snapshot_preview1" imports. The returned resolver
// refers to state owned by `state`, which must outlive the instance (and
// serves one instance).
// WasiState stays opaque; std::unique_ptr<WasiState> works anywhere thanks
// to the default_delete specialisation at the top of this header.
// Opens the preopened directories now: when one cannot be opened, returns
// nullptr and says why in *error (when given).
std::unique_ptr<WasiState> makeWasiState(const WasiOptions& options, std::string* error = nullptr);
ImportResolver wasiResolver(WasiState& state);
// Set when the guest called proc_exit.
std::optional<int> wasiExitCode(const WasiState& state);

}  // namespace kiln
