// Running a WASI command module (kiln run, executables from kiln build,
// each request of kiln serve).
#include <cstdio>

#include "kiln/dagger.h"
#include "rt_wasi.h"

namespace kiln {

WasiCommandResult executeWasiCommand(const kiln_module_desc* module, const WasiOptions& options,
                                     const RunOptions& run) {
  WasiCommandResult result;
  auto fail = [&](std::string error) {
    result.status = 1;
    result.error = std::move(error);
    return result;
  };
  auto trapped = [&](Trap trap) {
    if (trap.exitStatus) {  // proc_exit
      result.status = *trap.exitStatus;
      return result;
    }
    if (!trap.error.empty()) return fail(trap.error);
    result.status = KILN_TRAP_EXIT_STATUS;
    result.trap = std::move(trap);
    return result;
  };
  std::string stateError;
  std::unique_ptr<WasiState> state = makeWasiState(options, &stateError);
  if (!state) return fail(stateError);
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
  Instance* instance = run.prepared && run.prepared->module() == module
                           ? store.instantiate(*run.prepared, resolver, &error)
                           : store.instantiate(module, resolver, &error);
  if (!instance) {
    if (error.kind == InstantiateError::Kind::Trap && error.trap) return trapped(std::move(*error.trap));
    return fail("cannot instantiate module: " + error.message);
  }

  std::optional<Extern> entry = instance->exportNamed("_start");
  if (!entry || entry->kind != KILN_EXTERN_FUNC) entry = instance->exportNamed("main");
  if (!entry || entry->kind != KILN_EXTERN_FUNC) return fail("the module exports no _start or main function");
  // _start takes nothing and returns nothing; a `main` may take (argc, argv)
  // (passed as zeros) and return its exit status.
  std::vector<kiln_val> args(entry->params.size() > entry->results.size() ? entry->params.size()
                                                                          : entry->results.size() + 1);
  for (kiln_val& v : args) v.i64 = 0;
  if (std::optional<Trap> trap = store.call(entry->func, args.data())) return trapped(std::move(*trap));
  if (entry->results.size() == 1 && entry->results[0] == KILN_I32) result.status = static_cast<int32_t>(args[0].i32);
  return result;
}

int runWasiCommand(const kiln_module_desc* module, const WasiOptions& options, const RunOptions& run) {
  WasiCommandResult result = executeWasiCommand(module, options, run);
  if (!result.error.empty()) fprintf(stderr, "kiln: error: %s\n", result.error.c_str());
  if (result.trap) fputs(result.trap->report().c_str(), stderr);
  return result.status;
}

}  // namespace kiln
