/* The WASI "instance" that wasm2c-generated modules receive for their
 * wasi_snapshot_preview1 imports: the guest's memory and its arguments. */
#ifndef KILN_BENCH_WASI_GLUE_H
#define KILN_BENCH_WASI_GLUE_H

#include "wasm-rt.h"

struct Z_wasi_snapshot_preview1_instance_t {
  wasm_rt_memory_t *memory; /* set after instantiation, from the module's export */
  int argc;
  char **argv;
};

#endif
