/* A scriptable Dagger client for the dagger_* end-to-end cases. Each
 * argument is one step, VERB or VERB:ARG, run in order on a "current"
 * descriptor; every step prints one report line (printf, flushed, so that the
 * lines interleave predictably with what the guest writes to stdout://).
 *
 *   open:URL      open(URL) -> fd (becomes current) or an error name
 *   write:TEXT    write TEXT (\n, \r, \t, \\ escapes) to the current fd
 *   read          read until end of stream (or an error); prints the text
 *   readn:N       one read of N bytes; prints the count and the bytes in hex
 *   flush, sync, close
 *   use:N         make N the current descriptor (e.g. a closed or bogus one)
 *   badopen       open with a URL pointer outside memory, a length past its
 *                 end, and a negative length
 *   badread, badwrite   read/write with pointers and lengths outside memory
 *   edge          read/write exactly up to the end of memory (allowed) and
 *                 one byte past it (refused)
 *   longurl       open a 5000-byte URL
 *   openmany      open null:// until it fails, then close them all
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAGGER_IMPORT(name) __attribute__((import_module("dagger"), import_name(name)))

DAGGER_IMPORT("open") int32_t dagger_open(const char* url, int32_t url_len);
DAGGER_IMPORT("read") int32_t dagger_read(int32_t fd, void* buf, int32_t len);
DAGGER_IMPORT("write") int32_t dagger_write(int32_t fd, const void* buf, int32_t len);
DAGGER_IMPORT("flush") int32_t dagger_flush(int32_t fd);
DAGGER_IMPORT("sync") int32_t dagger_sync(int32_t fd);
DAGGER_IMPORT("close") int32_t dagger_close(int32_t fd);

static const char* const kNames[] = {"ok",        "bad_url",   "bad_input",     "unknown_scheme", "permission_denied",
                                     "not_found", "io_error", "too_many_open", "bad_fd",         "unsupported"};

static void report(const char* what, int32_t r) {
  if (r >= 0)
    printf("%s: %d\n", what, (int)r);
  else if (r >= -9)
    printf("%s: %s\n", what, kNames[-r]);
  else
    printf("%s: error %d\n", what, (int)r);
  fflush(stdout);
}

static size_t unescape(const char* in, char* out) {
  size_t n = 0;
  for (; *in; ++in) {
    if (*in == '\\' && in[1]) {
      ++in;
      out[n++] = *in == 'n' ? '\n' : *in == 'r' ? '\r' : *in == 't' ? '\t' : *in;
    } else {
      out[n++] = *in;
    }
  }
  return n;
}

static char buffer[1 << 16];
static char text[1 << 16];

/* A pointer to guest address `addr` (wasm32: pointers are addresses). */
static void* at(uint32_t addr) { return (void*)(uintptr_t)addr; }

int main(int argc, char** argv) {
  int32_t cur = -1;
  for (int i = 1; i < argc; ++i) {
    char* verb = argv[i];
    char* arg = strchr(verb, ':');
    if (arg) *arg++ = '\0';
    if (!strcmp(verb, "open")) {
      int32_t r = dagger_open(arg, (int32_t)strlen(arg));
      report("open", r);
      if (r >= 0) cur = r;
    } else if (!strcmp(verb, "write")) {
      size_t n = unescape(arg, text);
      report("write", dagger_write(cur, text, (int32_t)n));
    } else if (!strcmp(verb, "read")) {
      size_t total = 0;
      int32_t r;
      while ((r = dagger_read(cur, buffer + total, (int32_t)(sizeof buffer - 1 - total))) > 0) {
        total += (size_t)r;
        if (total == sizeof buffer - 1) break;
      }
      buffer[total] = '\0';
      printf("read %zu bytes: [%s]\n", total, buffer);
      fflush(stdout);
      report("read end", r);
    } else if (!strcmp(verb, "readn")) {
      int32_t want = atoi(arg);
      memset(buffer, 0xAA, (size_t)want);
      int32_t r = dagger_read(cur, buffer, want);
      printf("readn %d -> %d:", (int)want, (int)r);
      for (int32_t k = 0; k < r; ++k) printf(" %02x", (unsigned char)buffer[k]);
      printf("\n");
      fflush(stdout);
      if (r < 0) report("readn", r);
    } else if (!strcmp(verb, "flush")) {
      report("flush", dagger_flush(cur));
    } else if (!strcmp(verb, "sync")) {
      report("sync", dagger_sync(cur));
    } else if (!strcmp(verb, "close")) {
      report("close", dagger_close(cur));
    } else if (!strcmp(verb, "use")) {
      cur = atoi(arg);
      printf("use: %d\n", (int)cur);
      fflush(stdout);
    } else if (!strcmp(verb, "badopen")) {
      uint32_t end = (uint32_t)__builtin_wasm_memory_size(0) * 65536u;
      report("open wild pointer", dagger_open(at(0xFFFFFFF0u), 9));
      report("open past the end", dagger_open(at(end - 4), 9));
      report("open negative length", dagger_open("null://", -1));
      report("open huge length", dagger_open("null://", 0x7FFFFFFF));
    } else if (!strcmp(verb, "badread") || !strcmp(verb, "badwrite")) {
      int reading = verb[3] == 'r';
      uint32_t end = (uint32_t)__builtin_wasm_memory_size(0) * 65536u;
      const char* what[] = {"wild pointer", "past the end", "negative length", "wrapping"};
      uint32_t ptrs[] = {0xFFFFFFF0u, end - 4, (uint32_t)(uintptr_t)buffer, 0xFFFFFFFFu};
      int32_t lens[] = {16, 8, -1, 2};
      for (int k = 0; k < 4; ++k) {
        char label[64];
        snprintf(label, sizeof label, "%s %s", reading ? "read" : "write", what[k]);
        report(label, reading ? dagger_read(cur, at(ptrs[k]), lens[k]) : dagger_write(cur, at(ptrs[k]), lens[k]));
      }
    } else if (!strcmp(verb, "edge")) {
      uint32_t end = (uint32_t)__builtin_wasm_memory_size(0) * 65536u;
      report("read to the end", dagger_read(cur, at(end - 4), 4));
      report("read one past", dagger_read(cur, at(end - 4), 5));
      report("read empty at the end", dagger_read(cur, at(end), 0));
      report("read empty past the end", dagger_read(cur, at(end + 1), 0));
    } else if (!strcmp(verb, "longurl")) {
      char* url = malloc(5000);
      memcpy(url, "file:///", 8);
      memset(url + 8, 'a', 5000 - 8);
      report("open long url", dagger_open(url, 5000));
      free(url);
    } else if (!strcmp(verb, "openmany")) {
      int32_t fds[1024];
      int n = 0;
      int32_t r;
      while (n < 1024 && (r = dagger_open("null://", 7)) >= 0) fds[n++] = r;
      printf("opened %d\n", n);
      report("then open", r);
      int bad = 0;
      for (int k = 0; k < n; ++k) bad += dagger_close(fds[k]) != 0;
      printf("closed %d, %d failed\n", n, bad);
      report("open after closing", dagger_open("null://", 7));
    } else {
      printf("dagger_tool: unknown step '%s'\n", verb);
      return 2;
    }
  }
  return 0;
}
