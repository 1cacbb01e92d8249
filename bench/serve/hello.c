/* The load test's handler (scripts/bench-serve.sh): a CGI/WAGI hello world,
 * the same source for kiln serve (wasm32-wasi) and for a native CGI
 * program run by lighttpd. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  const char *path = getenv("PATH_INFO");
  printf("Content-Type: text/plain\n\nhello from %s\n", path ? path : "?");
  return 0;
}
