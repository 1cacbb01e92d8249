// stdout and stderr are separate streams; stderr is unbuffered.
#include <stdio.h>

int main(void) {
  fprintf(stderr, "this line goes to stderr\n");
  printf("this line goes to stdout\n");
  fputs("stderr again, without a newline", stderr);
  return 0;
}
