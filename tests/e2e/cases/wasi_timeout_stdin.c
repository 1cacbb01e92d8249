// A program that reads its stdin, which stays open and empty: the read
// (fd_read on a pipe) must end at the --timeout deadline as a trap
// ("interrupted"). With argument "poll" it waits in poll() (poll_oneoff on
// the descriptor) instead.
#include <poll.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "poll") == 0) {
    puts("polling");
    fflush(stdout);
    struct pollfd p = {0, POLLIN, 0};
    int n = poll(&p, 1, -1);
    printf("poll: %d\n", n);
    return 0;
  }
  puts("reading");
  fflush(stdout);
  int c = getchar();
  printf("got %d\n", c);
  return 0;
}
