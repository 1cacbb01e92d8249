/* Hello through the Dagger stream API (import module "dagger"): writes a line
 * to stdout:// and a log line through log://hello, and tells how an
 * unknown scheme fails. See docs/dagger.md.
 *
 *   clang-19 --target=wasm32-wasi -O2 examples/dagger_hello.c -o dagger_hello.wasm
 *   kiln run dagger_hello.wasm
 *   kiln build dagger_hello.wasm -o dagger_hello && ./dagger_hello
 */
#include <stdint.h>
#include <string.h>

#define DAGGER_IMPORT(name) __attribute__((import_module("dagger"), import_name(name)))

DAGGER_IMPORT("open") int32_t dagger_open(const char* url, int32_t url_len);
DAGGER_IMPORT("read") int32_t dagger_read(int32_t fd, void* buf, int32_t len);
DAGGER_IMPORT("write") int32_t dagger_write(int32_t fd, const void* buf, int32_t len);
DAGGER_IMPORT("flush") int32_t dagger_flush(int32_t fd);
DAGGER_IMPORT("close") int32_t dagger_close(int32_t fd);

/* The error codes (negative results). */
enum {
  DAGGER_BAD_URL = -1,
  DAGGER_BAD_INPUT = -2,
  DAGGER_UNKNOWN_SCHEME = -3,
  DAGGER_PERMISSION_DENIED = -4,
  DAGGER_NOT_FOUND = -5,
  DAGGER_IO_ERROR = -6,
  DAGGER_TOO_MANY_OPEN = -7,
  DAGGER_BAD_FD = -8,
  DAGGER_UNSUPPORTED = -9,
};

static int32_t open_url(const char* url) { return dagger_open(url, (int32_t)strlen(url)); }

static int32_t put(int32_t fd, const char* text) { return dagger_write(fd, text, (int32_t)strlen(text)); }

int main(void) {
  int32_t out = open_url("stdout://");
  if (out < 0) return 1;
  put(out, "Hello from Dagger!\n");

  int32_t log = open_url("log://hello");
  if (log >= 0) {
    put(log, "a log line, ");
    put(log, "written in two pieces\n");
    put(log, "an unfinished line comes out at close");
    dagger_close(log);
  }

  if (open_url("gopher://example.org/") == DAGGER_UNKNOWN_SCHEME) put(out, "gopher:// is not a Dagger scheme\n");

  dagger_flush(out);
  return dagger_close(out) == 0 ? 0 : 1;
}
