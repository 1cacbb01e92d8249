// Running a WASI command module (kiln run, executables from kiln build).
#include <cstdio>

#include "kiln/dagger.h"
#include "rt_wasi.h"

namespace kiln {

int runWasiCommand(const kiln_module_desc* module, const WasiOptions& options, const RunOptions& run) {
  std::string stateError;
  std::unique_ptr<WasiState> state = makeWasiState(options, &stateError);
  if (!state) {
    fprintf(stderr, "kiln: error: %s\n", stateError.c_str());
    return 1;
  }
  // The Dagger stream API beside WASI; its state outlives the instance and
  // closes what the guest left open.
  DaggerOptions daggerOptions;
  daggerOptions.dirs = options.preopens;
  daggerOptions.allowNet = run.allowNet;
  std::unique_ptr<DaggerState> dagger = makeDaggerState(daggerOptions);
  ImportResolver resolver = chainResolvers(wasiResolver(*state), daggerResolver(*dagger));

  StoreConfig config = run.store;
  if (run.timeout) config.requireInterruptible = true;
  Store store(config);
  // The timeout covers the whole run, start function included.
  if (run.timeout) store.setTimeout(*run.timeout);
  InstantiateError error;
  Instance* instance = store.instantiate(module, resolver, &error);
  if (!instance) {
    if (error.kind == InstantiateError::Kind::Trap && error.trap) {
      if (error.trap->exitStatus) return *error.trap->exitStatus;  // proc_exit in the start function
      std::string report = error.trap->report();
      fputs(report.c_str(), stderr);
      return KILN_TRAP_EXIT_STATUS;
    }
    fprintf(stderr, "kiln: error: cannot instantiate module: %s\n", error.message.c_str());
    return 1;
  }

  std::optional<Extern> entry = instance->exportNamed("_start");
  if (!entry || entry->kind != KILN_EXTERN_FUNC) entry = instance->exportNamed("main");
  if (!entry || entry->kind != KILN_EXTERN_FUNC) {
    fprintf(stderr, "kiln: error: the module exports no _start or main function\n");
    return 1;
  }
  // _start takes nothing and returns nothing; a `main` may take (argc, argv)
  // (passed as zeros) and return its exit status.
  std::vector<kiln_val> args(entry->params.size() > entry->results.size() ? entry->params.size()
                                                                          : entry->results.size() + 1);
  for (kiln_val& v : args) v.i64 = 0;
  std::optional<Trap> trap = store.call(entry->func, args.data());
  if (trap) {
    if (trap->exitStatus) return *trap->exitStatus;
    std::string report = trap->report();
    fputs(report.c_str(), stderr);
    return trap->error.empty() ? KILN_TRAP_EXIT_STATUS : 1;
  }
  if (entry->results.size() == 1 && entry->results[0] == KILN_I32) return static_cast<int32_t>(args[0].i32);
  return 0;
}

}  // namespace kiln
