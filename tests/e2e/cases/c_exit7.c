// exit(7) from a nested call: atexit handlers and stdio flushing run, then
// wasi-libc calls proc_exit(7); nothing after exit() runs.
#include <stdio.h>
#include <stdlib.h>

static void on_exit_handler(void) { printf("atexit handler ran\n"); }

__attribute__((noinline)) static void leave(int code) {
  printf("leaving with %d\n", code);
  exit(code);
}

int main(void) {
  atexit(on_exit_handler);
  printf("before exit\n");
  leave(7);
  printf("after exit: must not be printed\n");
  return 0;
}
