/* A WAGI handler for tests/e2e/serve/serve_test.py: one route per behaviour
 * a server must survive. The request comes as CGI variables, query
 * parameters as arguments, the body on stdin; the response goes to stdout,
 * headers first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *env(const char *name) {
  const char *value = getenv(name);
  return value ? value : "";
}

int main(int argc, char **argv) {
  const char *path = env("PATH_INFO");
  if (!strcmp(path, "/hello")) {
    printf("Content-Type: text/plain\n\nhello from %s %s", env("REQUEST_METHOD"), path);
    for (int i = 1; i < argc; i++) printf(" [%s]", argv[i]);
    printf(" query=%s agent=%s\n", env("QUERY_STRING"), env("HTTP_X_KILN_TEST"));
  } else if (!strcmp(path, "/echo")) {
    /* the body, upper-cased */
    printf("Content-Type: application/octet-stream\nX-Length: %s\n\n", env("CONTENT_LENGTH"));
    int c;
    while ((c = getchar()) != EOF) putchar(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  } else if (!strcmp(path, "/status")) {
    printf("Status: 404 Not Found\nContent-Type: text/plain\n\nno such thing\n");
  } else if (!strcmp(path, "/redirect")) {
    printf("Location: /hello\n\n");
  } else if (!strcmp(path, "/trap")) {
    __builtin_trap();
  } else if (!strcmp(path, "/loop")) {
    for (volatile unsigned i = 0;; i++) {
    }
  } else if (!strcmp(path, "/grow")) {
    /* take memory until the store's limit says no */
    unsigned mib = 0;
    static char *volatile last; /* keeps the allocations observable */
    for (char *block; (block = malloc(1 << 20)); mib++) last = block;
    printf("Status: 507 Insufficient Storage\nContent-Type: text/plain\n\nout of memory after %u MiB\n", mib);
  } else if (!strcmp(path, "/big")) {
    printf("Content-Type: text/plain\n\n");
    for (int i = 0; i < (4 << 20) / 64; i++)
      printf("%063d\n", i);
  } else if (!strcmp(path, "/noheaders")) {
    printf("just a body\n");
  } else if (!strcmp(path, "/exit3")) {
    fprintf(stderr, "giving up with status 3\n");
    exit(3);
  } else if (!strcmp(path, "/sleep")) {
    struct timespec t = {3, 0};
    nanosleep(&t, NULL);
    printf("Content-Type: text/plain\n\nslept\n");
  } else {
    printf("Status: 404 Not Found\nContent-Type: text/plain\n\nno route %s\n", path);
  }
  return 0;
}
