// kiln_wasi: WASI commands run with kiln_wasi_run (kiln/kiln.h), with the
// embedder's stdin bytes, stdout and stderr callbacks, arguments and
// environment. The guest (kiln_wasi.wat) echoes stdin to stdout uppercased
// after "OUT:", writes its argv[1] and $GREETING to stderr, and exits 7,
// traps (unreachable) or loops forever on request; a refused write (ENOSPC)
// makes it exit 3 (stdout) or 5 (stderr).
//
// Checked: the exact bytes of stdout and stderr (binary stdin included), the
// callbacks' env and order, status 0 and 7 with no trap, a trap (status 134,
// kind "unreachable"), a callback returning false at the first or a later
// write (the guest sees ENOSPC), a timeout (kind "interrupted"), the
// defaults (no arguments, no environment, output discarded), the engine's
// limits applying to the command's store, preopened directories (one that
// does not exist is an error naming it; one that does works), the
// configuration staying reusable, nothing of the process inherited by
// default, kiln_wasi_config_inherit_stdio (fds 0-2 redirected around the
// run), a timeout stopping a guest blocked reading stdin, and a timeout
// far away (up to UINT64_MAX ns) stopping nothing.

#define _POSIX_C_SOURCE 200809L

#include <unistd.h>

#include <kiln/abi.h>
#include <kiln/kiln.h>

#include "check.h"

// The status after a trap (kiln.hpp: runWasiCommand's), 134.
#define TRAP_STATUS KILN_TRAP_EXIT_STATUS

typedef struct output {
  char data[4096];
  size_t size;
  int calls;
  int refuse_from;  // the call (1-based) from which writes are refused; 0: never
  int order;        // when the last call happened (see `sequence`)
} output;

static int sequence = 0;

static bool collect(void* env, const byte_t* data, size_t size) {
  output* out = (output*)env;
  CHECK(out != NULL);
  ++out->calls;
  out->order = ++sequence;
  CHECK(size == 0 || data != NULL);
  if (out->refuse_from && out->calls >= out->refuse_from) return false;
  CHECK(out->size + size <= sizeof out->data);
  if (size) memcpy(out->data + out->size, data, size);
  out->size += size;
  return true;
}

static void reset(output* out, int refuse_from) {
  memset(out, 0, sizeof *out);
  out->refuse_from = refuse_from;
}

// The bytes collected are exactly `expected` (`n` bytes).
static void check_bytes_(const char* file, int line, const char* what, const output* out, const char* expected,
                         size_t n) {
  if (out->size == n && memcmp(out->data, expected, n) == 0) return;
  fprintf(stderr, "%s:%d: check failed: %s is \"", file, line, what);
  fwrite(expected, 1, n, stderr);
  fprintf(stderr, "\" (%zu bytes), got \"", n);
  fwrite(out->data, 1, out->size, stderr);
  fprintf(stderr, "\" (%zu bytes)\n", out->size);
  fflush(stdout);
  exit(1);
}
#define CHECK_OUTPUT(out, expected) check_bytes_(__FILE__, __LINE__, #out, (out), (expected), sizeof(expected) - 1)

static output out_buf, err_buf;

// A configuration with argv {"kiln_wasi", arg} (arg NULL: argv[0] only),
// GREETING (NULL: unset) among other variables, the given stdin, and
// stdout/stderr into out_buf/err_buf.
static kiln_wasi_config_t* make_config(const char* arg, const char* greeting, const char* input, size_t input_size) {
  kiln_wasi_config_t* config = kiln_wasi_config_new();
  CHECK(config != NULL);
  kiln_wasi_config_arg(config, "kiln_wasi");
  if (arg) kiln_wasi_config_arg(config, arg);
  kiln_wasi_config_env(config, "OTHER", "1");
  kiln_wasi_config_env(config, "GREETINGS", "not this one");
  if (greeting) kiln_wasi_config_env(config, "GREETING", greeting);
  kiln_wasi_config_env(config, "LAST", "x");
  wasm_byte_vec_t bytes;
  wasm_byte_vec_new(&bytes, input_size, input);
  kiln_wasi_config_stdin_bytes(config, &bytes);
  wasm_byte_vec_delete(&bytes);
  kiln_wasi_config_stdout(config, collect, &out_buf);
  kiln_wasi_config_stderr(config, collect, &err_buf);
  return config;
}

// Runs the command, expecting it to run (no error); returns its status and
// its trap (NULL when none).
static int run_(const char* file, int line, wasm_engine_t* engine, const wasm_module_t* module,
                const kiln_wasi_config_t* config, uint64_t timeout_ns, wasm_trap_t** trap) {
  int status = -12345;
  *trap = (wasm_trap_t*)1;
  kiln_error_t* error = kiln_wasi_run(engine, module, config, timeout_ns, &status, trap);
  if (error) {
    fprintf(stderr, "%s:%d: check failed: kiln_wasi_run runs the command (error: %s)\n", file, line,
            kiln_error_message(error));
    exit(1);
  }
  if (status == -12345) check_fail_(file, line, "kiln_wasi_run sets the status");
  if (*trap == (wasm_trap_t*)1) check_fail_(file, line, "kiln_wasi_run sets *trap");
  return status;
}
#define RUN(engine, module, config, timeout_ns, trap) \
  run_(__FILE__, __LINE__, (engine), (module), (config), (timeout_ns), (trap))

// ---------------------------------------------------------------------------
// The process's own descriptors 0-2, redirected around a run.

typedef struct redirection {
  int saved[3];
  FILE* out;      // what fd 1 wrote
  FILE* err;      // what fd 2 wrote
  int stdin_w;    // the write end of fd 0's pipe, when kept open (else -1)
} redirection;

// fd 0 becomes a pipe holding `input` (its write end closed after it unless
// keep_open), fds 1 and 2 temporary files.
static void redirect(redirection* r, const char* input, bool keep_open) {
  fflush(stdout);
  fflush(stderr);
  int pipe_fds[2];
  CHECK(pipe(pipe_fds) == 0);
  size_t n = strlen(input);
  CHECK(write(pipe_fds[1], input, n) == (ssize_t)n);
  if (keep_open) {
    r->stdin_w = pipe_fds[1];
  } else {
    CHECK(close(pipe_fds[1]) == 0);
    r->stdin_w = -1;
  }
  r->out = tmpfile();
  r->err = tmpfile();
  CHECK(r->out != NULL && r->err != NULL);
  for (int fd = 0; fd < 3; ++fd) {
    r->saved[fd] = dup(fd);
    CHECK(r->saved[fd] >= 0);
  }
  CHECK(dup2(pipe_fds[0], 0) == 0);
  CHECK(close(pipe_fds[0]) == 0);
  CHECK(dup2(fileno(r->out), 1) == 1);
  CHECK(dup2(fileno(r->err), 2) == 2);
}

// Puts the descriptors back; what fds 1 and 2 received goes to `out` and
// `err` (reset).
static void restore(redirection* r, output* out, output* err) {
  for (int fd = 0; fd < 3; ++fd) {
    CHECK(dup2(r->saved[fd], fd) == fd);
    CHECK(close(r->saved[fd]) == 0);
  }
  if (r->stdin_w >= 0) CHECK(close(r->stdin_w) == 0);
  FILE* files[2] = {r->out, r->err};
  output* outputs[2] = {out, err};
  for (int i = 0; i < 2; ++i) {
    reset(outputs[i], 0);
    CHECK(fseek(files[i], 0L, SEEK_SET) == 0);
    outputs[i]->size = fread(outputs[i]->data, 1, sizeof outputs[i]->data, files[i]);
    CHECK(!ferror(files[i]));
    fclose(files[i]);
  }
}

// ---------------------------------------------------------------------------

static const char input[] = "hello, wasi!\nsecond line 123\n\0\xff z~{`@[";
static const char upper[] = "OUT:HELLO, WASI!\nSECOND LINE 123\n\0\xff Z~{`@[";

int main(int argc, char** argv) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(engine != NULL && store != NULL);
  wasm_byte_vec_t binary;
  load_wasm(argc, argv, &binary);
  wasm_module_t* module = wasm_module_new(store, &binary);
  CHECK(module != NULL);
  wasm_byte_vec_delete(&binary);
  wasm_trap_t* trap = NULL;

  // Normal run: status 0, exact output, several writes in order.
  {
    kiln_wasi_config_t* config = make_config("hello", "bonjour tout le monde", input, sizeof input - 1);
    for (int round = 0; round < 2; ++round) {  // the configuration is reusable
      reset(&out_buf, 0);
      reset(&err_buf, 0);
      int status = RUN(engine, module, config, 0, &trap);
      CHECK_EQ_INT(status, 0);
      CHECK(trap == NULL);
      CHECK_OUTPUT(&out_buf, upper);
      CHECK_OUTPUT(&err_buf, "arg=hello\nenv=bonjour tout le monde\n");
      // "OUT:" and the input 5 bytes at a time: one write each.
      CHECK_EQ_INT(out_buf.calls, 1 + (int)((sizeof input - 1 + 4) / 5));
      CHECK_EQ_INT(err_buf.calls, 5);
      // All of stdout was written before stderr.
      CHECK(out_buf.order < err_buf.order - err_buf.calls + 1);
    }
    kiln_wasi_config_delete(config);
  }

  // proc_exit(7): status 7 and no trap; an empty stdin; GREETING unset.
  {
    kiln_wasi_config_t* config = make_config("exit7", NULL, "", 0);
    reset(&out_buf, 0);
    reset(&err_buf, 0);
    int status = RUN(engine, module, config, 0, &trap);
    CHECK_EQ_INT(status, 7);
    CHECK(trap == NULL);
    CHECK_OUTPUT(&out_buf, "OUT:");
    CHECK_OUTPUT(&err_buf, "arg=exit7\nenv=(unset)\n");
    kiln_wasi_config_delete(config);
  }

  // A trap: "unreachable", reported in *trap, with the trap status.
  {
    kiln_wasi_config_t* config = make_config("trap", "x", "abc", 3);
    reset(&out_buf, 0);
    reset(&err_buf, 0);
    int status = RUN(engine, module, config, 0, &trap);
    CHECK_EQ_INT(status, TRAP_STATUS);
    CHECK(trap != NULL);
    char* text = TRAP_TEXT(trap);
    printf("trap: %s\n", text);
    free(text);
    CHECK_EQ_STR(kiln_trap_kind(trap), "unreachable");
    int exit_status = -1;
    CHECK(!kiln_trap_exit_status(trap, &exit_status));
    CHECK_EQ_INT(exit_status, -1);
    wasm_trap_delete(trap);
    // Nothing written; the runtime's report of the trap does not go to the
    // guest's stderr.
    CHECK_EQ_INT(out_buf.calls, 0);
    CHECK_EQ_INT(err_buf.calls, 0);
    // With no place for the trap, the status still says it.
    int status2 = -1;
    kiln_error_t* error = kiln_wasi_run(engine, module, config, 0, &status2, NULL);
    CHECK(error == NULL);
    CHECK_EQ_INT(status2, TRAP_STATUS);
    kiln_wasi_config_delete(config);
  }

  // stdout refused from its first write: the guest's fd_write fails with
  // ENOSPC, and it exits 3 before writing to stderr.
  {
    kiln_wasi_config_t* config = make_config("hello", "x", input, sizeof input - 1);
    reset(&out_buf, 1);
    reset(&err_buf, 0);
    int status = RUN(engine, module, config, 0, &trap);
    CHECK_EQ_INT(status, 3);
    CHECK(trap == NULL);
    CHECK_EQ_INT(out_buf.calls, 1);
    CHECK_EQ_UINT(out_buf.size, 0);
    CHECK_EQ_INT(err_buf.calls, 0);

    // Refused from the third write: the first two went through.
    reset(&out_buf, 3);
    reset(&err_buf, 0);
    status = RUN(engine, module, config, 0, &trap);
    CHECK_EQ_INT(status, 3);
    CHECK(trap == NULL);
    CHECK_EQ_INT(out_buf.calls, 3);
    CHECK_OUTPUT(&out_buf, "OUT:HELLO");
    CHECK_EQ_INT(err_buf.calls, 0);

    // stderr refused: stdout complete, exit 5.
    reset(&out_buf, 0);
    reset(&err_buf, 1);
    status = RUN(engine, module, config, 0, &trap);
    CHECK_EQ_INT(status, 5);
    CHECK(trap == NULL);
    CHECK_OUTPUT(&out_buf, upper);
    CHECK_EQ_INT(err_buf.calls, 1);
    CHECK_EQ_UINT(err_buf.size, 0);
    kiln_wasi_config_delete(config);
  }

  // A timeout: the guest loops forever and traps "interrupted".
  {
    kiln_wasi_config_t* config = make_config("spin", NULL, "", 0);
    reset(&out_buf, 0);
    reset(&err_buf, 0);
    int status = RUN(engine, module, config, 50ull * 1000000ull, &trap);
    CHECK_EQ_INT(status, TRAP_STATUS);
    CHECK(trap != NULL);
    free(TRAP_TEXT(trap));
    CHECK_EQ_STR(kiln_trap_kind(trap), "interrupted");
    CHECK(!kiln_trap_exit_status(trap, NULL));
    wasm_trap_delete(trap);
    CHECK_EQ_INT(out_buf.calls + err_buf.calls, 0);
    // A timeout that does not come changes nothing.
    kiln_wasi_config_t* normal = make_config("hello", "y", "q", 1);
    status = RUN(engine, module, normal, 3600ull * 1000000000ull, &trap);
    CHECK_EQ_INT(status, 0);
    CHECK(trap == NULL);
    CHECK_OUTPUT(&out_buf, "OUT:Q");
    CHECK_OUTPUT(&err_buf, "arg=hello\nenv=y\n");
    kiln_wasi_config_delete(normal);
    kiln_wasi_config_delete(config);
  }

  // The defaults: no arguments (argv[1] ""), no environment, empty stdin,
  // output discarded; the command runs to the end.
  {
    kiln_wasi_config_t* config = kiln_wasi_config_new();
    CHECK(config != NULL);
    trap = (wasm_trap_t*)1;
    int status = RUN(engine, module, config, 0, &trap);
    CHECK_EQ_INT(status, 0);
    CHECK(trap == NULL);
    kiln_wasi_config_delete(config);
    // Without argv[0] given, argv is empty: the same as no argv[1].
    config = kiln_wasi_config_new();
    kiln_wasi_config_stdout(config, collect, &out_buf);
    kiln_wasi_config_stderr(config, collect, &err_buf);
    reset(&out_buf, 0);
    reset(&err_buf, 0);
    status = RUN(engine, module, config, 0, &trap);
    CHECK_EQ_INT(status, 0);
    CHECK(trap == NULL);
    CHECK_OUTPUT(&out_buf, "OUT:");
    CHECK_OUTPUT(&err_buf, "arg=\nenv=(unset)\n");
    kiln_wasi_config_delete(config);
  }

  // Nothing of the process is inherited by default: with fd 0 a pipe that
  // holds data, the guest reads an empty stdin; what it writes does not
  // reach fds 1 and 2 (discarded without callbacks, given to them with).
  {
    output fd_out, fd_err;
    kiln_wasi_config_t* config = kiln_wasi_config_new();
    CHECK(config != NULL);
    kiln_wasi_config_arg(config, "kiln_wasi");
    kiln_wasi_config_arg(config, "hello");
    redirection r;
    redirect(&r, "from the process\n", false);
    int status = -1;
    trap = (wasm_trap_t*)1;
    kiln_error_t* error = kiln_wasi_run(engine, module, config, 0, &status, &trap);
    restore(&r, &fd_out, &fd_err);
    CHECK(error == NULL);
    CHECK_EQ_INT(status, 0);
    CHECK(trap == NULL);
    CHECK_EQ_UINT(fd_out.size, 0);
    CHECK_EQ_UINT(fd_err.size, 0);

    kiln_wasi_config_stdout(config, collect, &out_buf);
    kiln_wasi_config_stderr(config, collect, &err_buf);
    reset(&out_buf, 0);
    reset(&err_buf, 0);
    redirect(&r, "from the process\n", false);
    error = kiln_wasi_run(engine, module, config, 0, &status, &trap);
    restore(&r, &fd_out, &fd_err);
    CHECK(error == NULL);
    CHECK_EQ_INT(status, 0);
    CHECK(trap == NULL);
    CHECK_EQ_UINT(fd_out.size, 0);
    CHECK_EQ_UINT(fd_err.size, 0);
    CHECK_OUTPUT(&out_buf, "OUT:");
    CHECK_OUTPUT(&err_buf, "arg=hello\nenv=(unset)\n");

    // kiln_wasi_config_inherit_stdio: the process's descriptors instead
    // (the callbacks and stdin bytes are not used).
    kiln_wasi_config_env(config, "GREETING", "inherited");
    wasm_byte_vec_t ignored;
    wasm_byte_vec_new(&ignored, 3, "xyz");
    kiln_wasi_config_stdin_bytes(config, &ignored);
    wasm_byte_vec_delete(&ignored);
    kiln_wasi_config_inherit_stdio(config);
    reset(&out_buf, 0);
    reset(&err_buf, 0);
    redirect(&r, "from the process\n", false);
    error = kiln_wasi_run(engine, module, config, 0, &status, &trap);
    restore(&r, &fd_out, &fd_err);
    CHECK(error == NULL);
    CHECK_EQ_INT(status, 0);
    CHECK(trap == NULL);
    CHECK_OUTPUT(&fd_out, "OUT:FROM THE PROCESS\n");
    CHECK_OUTPUT(&fd_err, "arg=hello\nenv=inherited\n");
    CHECK_EQ_INT(out_buf.calls + err_buf.calls, 0);

    // A guest blocked reading a stdin that never ends (the pipe's write end
    // stays open) is stopped by the timeout too.
    redirect(&r, "abc", true);
    error = kiln_wasi_run(engine, module, config, 50ull * 1000000ull, &status, &trap);
    restore(&r, &fd_out, &fd_err);
    CHECK(error == NULL);
    CHECK_EQ_INT(status, TRAP_STATUS);
    CHECK(trap != NULL);
    CHECK_EQ_STR(kiln_trap_kind(trap), "interrupted");
    wasm_trap_delete(trap);
    CHECK_OUTPUT(&fd_out, "OUT:ABC");
    CHECK_EQ_UINT(fd_err.size, 0);
    kiln_wasi_config_delete(config);
  }

  // Preopened directories: one that does not exist is an error that names
  // it, and nothing runs; one that exists changes nothing for this guest.
  {
    const char* missing = "/nonexistent-kiln-capi-dir/sub";
    kiln_wasi_config_t* config = make_config("hello", "x", "abc", 3);
    kiln_wasi_config_preopen_dir(config, missing, "/data", false);
    reset(&out_buf, 0);
    reset(&err_buf, 0);
    int status = -1;
    trap = (wasm_trap_t*)1;
    kiln_error_t* error = kiln_wasi_run(engine, module, config, 0, &status, &trap);
    CHECK(error != NULL);
    const char* message = kiln_error_message(error);
    CHECK(message != NULL && message[0] != '\0');
    printf("missing preopen: %s\n", message);
    CHECK_MSG(strstr(message, missing) != NULL, "the message names %s: %s", missing, message);
    kiln_error_delete(error);
    CHECK(trap == NULL);
    CHECK_EQ_INT(out_buf.calls + err_buf.calls, 0);
    kiln_wasi_config_delete(config);

    config = make_config("hello", "x", "abc", 3);
    kiln_wasi_config_preopen_dir(config, ".", NULL, true);
    kiln_wasi_config_preopen_dir(config, "/", "/root-ro", true);
    reset(&out_buf, 0);
    reset(&err_buf, 0);
    status = RUN(engine, module, config, 0, &trap);
    CHECK_EQ_INT(status, 0);
    CHECK(trap == NULL);
    CHECK_OUTPUT(&out_buf, "OUT:ABC");
    CHECK_OUTPUT(&err_buf, "arg=hello\nenv=x\n");
    kiln_wasi_config_delete(config);
  }

  // The engine's limits apply to the command's store: with no memory
  // allowed, the guest's one page cannot be had and the command cannot run.
  {
    wasm_config_t* limits = wasm_config_new();
    CHECK(limits != NULL);
    kiln_config_max_memory(limits, 0);
    wasm_engine_t* small = wasm_engine_new_with_config(limits);
    CHECK(small != NULL);
    kiln_wasi_config_t* config = make_config("hello", "x", "abc", 3);
    reset(&out_buf, 0);
    reset(&err_buf, 0);
    int status = -1;
    trap = (wasm_trap_t*)1;
    kiln_error_t* error = kiln_wasi_run(small, module, config, 0, &status, &trap);
    CHECK(error != NULL);
    CHECK(kiln_error_message(error)[0] != '\0');
    printf("no memory allowed: %s\n", kiln_error_message(error));
    kiln_error_delete(error);
    CHECK(trap == NULL);
    CHECK_EQ_INT(out_buf.calls + err_buf.calls, 0);
    kiln_wasi_config_delete(config);
    wasm_engine_delete(small);
  }

  // Files for stdio: stdin read from a file, stdout and stderr written to
  // files (replacing the bytes and callbacks make_config set); files that
  // cannot be opened are errors naming them.
  {
    char dir[] = "/tmp/kiln-capi-wasi-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char in_path[64], out_path[64], err_path[64], missing[80];
    snprintf(in_path, sizeof in_path, "%s/in", dir);
    snprintf(out_path, sizeof out_path, "%s/out", dir);
    snprintf(err_path, sizeof err_path, "%s/err", dir);
    snprintf(missing, sizeof missing, "%s/no-such-dir/out", dir);
    FILE* f = fopen(in_path, "wb");
    CHECK(f != NULL);
    fputs("file input", f);
    fclose(f);
    kiln_wasi_config_t* config = make_config("hello", "files", "ignored", 7);
    kiln_wasi_config_stdin_file(config, in_path);
    kiln_wasi_config_stdout_file(config, out_path);
    kiln_wasi_config_stderr_file(config, err_path);
    reset(&out_buf, 0);
    reset(&err_buf, 0);
    CHECK_EQ_INT(RUN(engine, module, config, 0, &trap), 0);
    CHECK(trap == NULL);
    CHECK_EQ_INT(out_buf.calls + err_buf.calls, 0);
    char text[256];
    f = fopen(out_path, "rb");
    CHECK(f != NULL);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    CHECK_EQ_STR(text, "OUT:FILE INPUT");
    f = fopen(err_path, "rb");
    CHECK(f != NULL);
    n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    CHECK_EQ_STR(text, "arg=hello\nenv=files\n");

    kiln_wasi_config_stdout_file(config, missing);
    int status = 0;
    kiln_error_t* error = kiln_wasi_run(engine, module, config, 0, &status, &trap);
    CHECK(error != NULL);
    CHECK_MSG(strstr(kiln_error_message(error), missing) != NULL, "the error names %s: %s", missing,
              kiln_error_message(error));
    kiln_error_delete(error);
    kiln_wasi_config_stdout_file(config, out_path);
    kiln_wasi_config_stdin_file(config, missing);
    error = kiln_wasi_run(engine, module, config, 0, &status, &trap);
    CHECK(error != NULL);
    CHECK_MSG(strstr(kiln_error_message(error), missing) != NULL, "the error names %s: %s", missing,
              kiln_error_message(error));
    kiln_error_delete(error);
    kiln_wasi_config_delete(config);
    unlink(in_path);
    unlink(out_path);
    unlink(err_path);
    rmdir(dir);
  }

  // A timeout as far as the argument allows (UINT64_MAX ns: 584 years) stops
  // nothing. Last, so that a failure here leaves the rest checked: at the
  // time of writing, timeouts of INT64_MAX ns and more interrupt at once
  // (kiln_wasi_run clamps to INT64_MAX ns, and executeWasiCommand's
  // Store::setTimeout adds that to steady_clock::now(), which overflows).
  {
    kiln_wasi_config_t* config = make_config("hello", "far", "abc", 3);
    const uint64_t far[] = {(uint64_t)INT64_MAX / 2, (uint64_t)INT64_MAX, UINT64_MAX};
    int failed = 0;
    for (size_t i = 0; i < sizeof far / sizeof far[0]; ++i) {
      reset(&out_buf, 0);
      reset(&err_buf, 0);
      int status = RUN(engine, module, config, far[i], &trap);
      bool as_expected = status == 0 && trap == NULL && out_buf.size == 7 && memcmp(out_buf.data, "OUT:ABC", 7) == 0;
      if (!as_expected) {
        ++failed;
        fprintf(stderr, "kiln_wasi_run with a timeout of %" PRIu64 " ns: status %d, trap %s, %zu bytes of stdout\n",
                far[i], status, trap ? kiln_trap_kind(trap) : "none", out_buf.size);
      }
      if (trap) wasm_trap_delete(trap);
    }
    CHECK_MSG(failed == 0, "%d of the far timeouts stopped the command", failed);
    kiln_wasi_config_delete(config);
  }

  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return pass("kiln_wasi");
}
