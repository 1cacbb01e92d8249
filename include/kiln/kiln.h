/* Kiln's C extensions to the standard WebAssembly C API (wasm.h), in the
 * style of Wasmtime's wasmtime.h and wasi.h: precompiled modules with clear
 * errors, store limits, timeouts, interruption from any thread, fuel, and
 * WASI commands with the embedder's own stdio. docs/embedding.md is the
 * guide; the C++ API of the runtime is kiln/kiln.hpp. */
#ifndef KILN_KILN_H
#define KILN_KILN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wasm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Errors ---------------------------------------------------------------
 * Functions that can fail for a reason the embedder should see return an
 * owned kiln_error_t (NULL on success): one line that says what and where. */
typedef struct kiln_error_t kiln_error_t;
const char* kiln_error_message(const kiln_error_t* error);
void kiln_error_delete(kiln_error_t* error);

/* ---- Modules ----------------------------------------------------------------
 * A module compiled ahead of time (`kiln compile --emit=shared app.wasm -o
 * app.so`), from its path or its bytes (what wasm_module_serialize gives).
 * Refused with a message that says to recompile when another Kiln made it.
 * Loading runs the shared object's initialisers: load only files you trust
 * as much as your own program. */
kiln_error_t* kiln_module_load(wasm_store_t* store, const char* path, wasm_module_t** out);
kiln_error_t* kiln_module_load_bytes(wasm_store_t* store, const wasm_byte_vec_t* bytes, wasm_module_t** out);
/* wasm_module_new with the reason when it fails (needs the compiler
 * library, Kiln::compiler). */
kiln_error_t* kiln_module_compile(wasm_store_t* store, const wasm_byte_vec_t* wasm, wasm_module_t** out);

/* ---- Stores -----------------------------------------------------------------
 * What a store may use; KILN_UNLIMITED for no bound. Set on the config
 * (wasm_engine_new_with_config), they apply to every store of the engine. */
#define KILN_UNLIMITED UINT64_MAX
void kiln_config_max_memory(wasm_config_t* config, uint64_t bytes);        /* all memories together */
void kiln_config_max_table_elements(wasm_config_t* config, uint64_t count); /* all tables together */
void kiln_config_max_instances(wasm_config_t* config, uint32_t count);
void kiln_config_max_stack(wasm_config_t* config, uint64_t bytes);         /* 0: the thread's stack */
/* Stores start with this much fuel; modules must be compiled with --fuel. */
void kiln_config_fuel(wasm_config_t* config, uint64_t fuel);
/* Refuse modules compiled with --epoch-checks=off, which timeouts and
 * interrupts cannot stop; set it whenever you rely on them. */
void kiln_config_require_interruptible(wasm_config_t* config, bool require);

/* The guest traps (interrupted) once the time has come: a deadline in
 * nanoseconds from now. Calls made after it trap at once. */
void kiln_store_set_timeout(wasm_store_t* store, uint64_t nanoseconds);
void kiln_store_clear_timeout(wasm_store_t* store);
/* Fuel left (false when the store does not meter), and a new amount. */
bool kiln_store_fuel(const wasm_store_t* store, uint64_t* fuel);
bool kiln_store_set_fuel(wasm_store_t* store, uint64_t fuel);
/* Linear memory the store uses now, in bytes. */
uint64_t kiln_store_memory_bytes(const wasm_store_t* store);

/* Interrupts a store from any thread: its guest traps (interrupted) at its
 * next loop iteration or call, and a blocked WASI call returns. Usable after
 * the store is gone (it then does nothing). */
typedef struct kiln_interrupt_handle_t kiln_interrupt_handle_t;
kiln_interrupt_handle_t* kiln_store_interrupt_handle(const wasm_store_t* store);
void kiln_interrupt_handle_interrupt(const kiln_interrupt_handle_t* handle);
void kiln_interrupt_handle_delete(kiln_interrupt_handle_t* handle);

/* ---- Traps --------------------------------------------------------------------
 * Kiln's kind of a trap ("unreachable", "interrupted", "out_of_fuel", "host",
 * ...; "none" for a trap made by wasm_trap_new), and the exit status when
 * the trap is a WASI proc_exit (false otherwise). */
const char* kiln_trap_kind(const wasm_trap_t* trap);
bool kiln_trap_exit_status(const wasm_trap_t* trap, int* status);

/* ---- WASI preview 1 --------------------------------------------------------
 * A WASI configuration: arguments, environment, preopened directories, and
 * stdio. By default the guest sees no arguments, no environment, no files,
 * an empty stdin, and its stdout and stderr are discarded; nothing of the
 * process is inherited unless asked for. */
typedef struct kiln_wasi_config_t kiln_wasi_config_t;
kiln_wasi_config_t* kiln_wasi_config_new(void);
void kiln_wasi_config_delete(kiln_wasi_config_t* config);
void kiln_wasi_config_arg(kiln_wasi_config_t* config, const char* arg);       /* argv[0] first */
void kiln_wasi_config_env(kiln_wasi_config_t* config, const char* key, const char* value);
/* host_path as guest_path (NULL: host_path); read_only grants no right that
 * changes anything. Opened when the command runs. */
void kiln_wasi_config_preopen_dir(kiln_wasi_config_t* config, const char* host_path, const char* guest_path,
                                  bool read_only);
/* The guest reads these bytes on fd 0, then end of file. */
void kiln_wasi_config_stdin_bytes(kiln_wasi_config_t* config, const wasm_byte_vec_t* bytes);
/* What the guest writes to fd 1 and 2 goes to the callback (on the guest's
 * thread, in order); returning false fails the write with ENOSPC. */
typedef bool (*kiln_output_callback_t)(void* env, const byte_t* data, size_t size);
void kiln_wasi_config_stdout(kiln_wasi_config_t* config, kiln_output_callback_t callback, void* env);
void kiln_wasi_config_stderr(kiln_wasi_config_t* config, kiln_output_callback_t callback, void* env);
/* Files instead: fd 0 reads the file's contents (read when the command
 * runs), fd 1 and 2 write to a file created or truncated when it runs. A
 * file that cannot be opened makes kiln_wasi_run return an error naming it.
 * Each replaces the bytes or callback set for the same descriptor, and the
 * other way round. */
void kiln_wasi_config_stdin_file(kiln_wasi_config_t* config, const char* path);
void kiln_wasi_config_stdout_file(kiln_wasi_config_t* config, const char* path);
void kiln_wasi_config_stderr_file(kiln_wasi_config_t* config, const char* path);
/* The process's own descriptors 0-2 instead. */
void kiln_wasi_config_inherit_stdio(kiln_wasi_config_t* config);

/* Runs a WASI command: a fresh store with the engine's limits, instantiate
 * `module` with the WASI preview 1 imports, call _start. The
 * exit status goes to *status: the guest's proc_exit code, 0 when _start
 * returns. Returns an error when the command could not run (a missing
 * import, a directory that cannot be opened), and a trap in *trap (when not
 * NULL) when the guest trapped; with a timeout (nanoseconds, 0: none) a
 * guest that runs past it traps (interrupted). */
kiln_error_t* kiln_wasi_run(wasm_engine_t* engine, const wasm_module_t* module, const kiln_wasi_config_t* config,
                            uint64_t timeout_ns, int* status, wasm_trap_t** trap);

#ifdef __cplusplus
}
#endif

#endif /* KILN_KILN_H */
