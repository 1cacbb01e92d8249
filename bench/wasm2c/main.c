/* Entry point for a WASI command translated by wasm2c as module "bench"
 * (wasm2c --module-name=bench app.wasm -o module.c): instantiate, hook the
 * WASI glue up to the exported memory, run _start, report a trap. */
#include <stdio.h>
#include <stdlib.h>

#include "module.h"
#include "wasi_glue.h"
#include "wasm-rt-impl.h"

int main(int argc, char **argv) {
  static Z_bench_instance_t instance;
  static struct Z_wasi_snapshot_preview1_instance_t wasi;
  wasi.argc = argc;
  wasi.argv = argv;

  wasm_rt_init();
  Z_bench_init_module();
  Z_bench_instantiate(&instance, &wasi);
  wasi.memory = Z_benchZ_memory(&instance);

  wasm_rt_trap_t trap = wasm_rt_impl_try();
  if (trap != WASM_RT_TRAP_NONE) {
    fflush(stdout);
    fprintf(stderr, "wasm trap: %s\n", wasm_rt_strerror(trap));
    return 134;
  }
  Z_benchZ__start(&instance);
  Z_bench_free(&instance);
  wasm_rt_free();
  return 0;
}
