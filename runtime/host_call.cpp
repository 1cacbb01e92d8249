// Host functions with their arguments in an array (kiln.h, ArrayHostFunc):
// what the C API's callbacks are. Compiled code calls one through the
// host-call thunk of its signature (abi.h, kiln_type_desc.host_call), which
// spills the arguments and calls kiln_rt_host_call below; Store::call runs
// the callback directly. A failing callback returns its message; the runtime
// then traps from kiln_rt_host_call, whose frame owns nothing by then, so no
// host frame is ever jumped over with live resources.
#include "rt_instance.h"
#include "rt_store.h"
#include "rt_trap.h"
#include "rt_types.h"

namespace kiln::rt {
namespace {

// The code of a host function that no module of its store has given a
// thunk yet. Compiled code can reach it only through a table (imports are
// bound first), with any arguments: it ignores them and traps.
void unboundHostFunction(kiln_vmctx* context) {
  tHostTrapMessage =
      "host function called through a table before any module with its signature was instantiated in its store";
  kiln_rt_trap(context, KILN_TRAP_HOST, UINT32_MAX);
}

// Runs the callback; false with tHostTrapMessage set when it failed. Kept
// out of kiln_rt_host_call so that the message string is the only object
// that outlives it, in thread-local storage.
__attribute__((noinline)) bool runHostFunction(HostFunction* hf, kiln_val* args) {
  std::string message;
  if (callHostFunction(*hf, args, &message)) return true;
  tHostTrapMessage = std::move(message);
  return false;
}

}  // namespace

bool callHostFunction(HostFunction& hf, kiln_val* args, std::string* message) {
  if (hf.def.callback(hf.def.data, args, message)) return true;
  if (message->empty()) *message = "host function failed";
  return false;
}

void bindHostFunctions(Store::Impl& store, const kiln_module_desc* module, const std::vector<uint32_t>& typeIds) {
  if (store.unboundHostFuncs == 0) return;
  for (auto& hf : store.hostFuncs) {
    if (hf->func.array_call) continue;
    for (uint32_t t = 0; t < module->num_types; ++t) {
      if (typeIds[t] != hf->func.type_id || !module->types[t].host_call) continue;
      hf->func.code = module->types[t].host_call;
      hf->func.array_call = module->types[t].array_call;
      --store.unboundHostFuncs;
      break;
    }
  }
}

}  // namespace kiln::rt

extern "C" void kiln_rt_host_call(kiln_vmctx* vmctx, kiln_val* args) {
  auto* hf = static_cast<kiln::rt::HostFunction*>(vmctx->host);
  if (!kiln::rt::runHostFunction(hf, args)) kiln_rt_trap(vmctx, KILN_TRAP_HOST, UINT32_MAX);
}

namespace kiln {

kiln_func* Store::hostFunction(ArrayHostFunc def) {
  if (!def.callback) return nullptr;
  Impl& store = *impl_;
  auto hf = std::make_unique<rt::HostFunction>();
  hf->context.limits = &store.shared->limits;
  hf->context.host = hf.get();
  hf->func.vmctx = &hf->context;
  hf->func.code = reinterpret_cast<void*>(&rt::unboundHostFunction);
  hf->func.type_id =
      rt::internSignature(def.params.data(), def.params.size(), def.results.data(), def.results.size());
  hf->def = std::move(def);
  // A module already in the store may have the thunk.
  ++store.unboundHostFuncs;
  kiln_func* func = &hf->func;
  store.objects.insert(&hf->context);
  store.hostFuncs.push_back(std::move(hf));
  for (auto& inst : store.instances) {
    if (store.unboundHostFuncs == 0) break;
    rt::bindHostFunctions(store, inst->desc, inst->typeIds);
  }
  return func;
}

const ArrayHostFunc* Store::arrayHostFunc(const kiln_func* func) const {
  if (!func || !impl_->owns(func->vmctx)) return nullptr;
  rt::HostFunction* hf = rt::hostFunctionOf(func);
  return hf ? &hf->def : nullptr;
}

}  // namespace kiln
