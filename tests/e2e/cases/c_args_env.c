// argv (past argv[0], whose value depends on how the program is started), an
// environment variable, an unset one, and the exit status from main's return.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  printf("argc-1=%d\n", argc - 1);
  for (int i = 1; i < argc; i++) printf("argv[%d]=<%s> (%zu bytes)\n", i, argv[i], strlen(argv[i]));
  const char* greeting = getenv("KILN_E2E_GREETING");
  printf("KILN_E2E_GREETING=%s\n", greeting ? greeting : "(unset)");
  const char* unset = getenv("KILN_E2E_NOT_SET_ANYWHERE");
  printf("KILN_E2E_NOT_SET_ANYWHERE=%s\n", unset ? unset : "(unset)");
  return 3;
}
