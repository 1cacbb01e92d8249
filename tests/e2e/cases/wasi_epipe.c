// Writing to a pipe nobody reads: the write fails with EPIPE (64) and the
// program goes on (kiln ignores SIGPIPE, in `kiln run` and in executables);
// it reports on stderr and exits with status 5.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  ssize_t n = write(1, "lost\n", 5);
  int first = errno;
  n = write(1, "lost again\n", 11);
  fprintf(stderr, "write to a closed pipe: %zd, errno %d (%s), again errno %d; still alive\n", n, first,
          first == EPIPE ? "EPIPE" : "not EPIPE", errno);
  return 5;
}
