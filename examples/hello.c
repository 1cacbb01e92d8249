/* A small WASI command for trying Kiln: prints a greeting, its arguments and
 * one environment variable, and exits with the number of arguments it got.
 *
 *   clang-19 --target=wasm32-wasi -O2 examples/hello.c -o hello.wasm
 *   kiln build hello.wasm -o hello && ./hello one two
 *   kiln run --env GREETING=Bonjour hello.wasm -- one two
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  const char* greeting = getenv("GREETING");
  printf("%s from WebAssembly, compiled ahead of time by Kiln!\n", greeting ? greeting : "Hello");
  printf("I was called as %s with %d argument%s\n", argc > 0 ? argv[0] : "(no name)", argc - 1,
         argc == 2 ? "" : "s");
  for (int i = 1; i < argc; ++i) printf("  argv[%d] = \"%s\"\n", i, argv[i]);
  printf("GREETING is %s\n", greeting ? "set" : "not set (try --env GREETING=Hi with kiln run)");
  return argc - 1;
}
