// A program that sleeps far longer than its --timeout: the sleep (one
// poll_oneoff clock subscription) must end at the deadline, and the program
// with it, as a trap ("interrupted"), not after 100 s.
#include <stdio.h>
#include <unistd.h>

int main(void) {
  puts("sleeping");
  fflush(stdout);
  sleep(100);
  puts("woke up");
  return 0;
}
