// Instances: creation (checks, imports, tables, memory, globals, segments,
// start function), exports, and protected calls.
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "rt_code_registry.h"
#include "rt_prepared.h"
#include "rt_instance.h"
#include "rt_store.h"
#include "rt_trap.h"
#include "rt_types.h"

namespace kiln {

using rt::InstanceData;

namespace rt {

InstanceData::InstanceData(const kiln_module_desc* module, Store::Impl* owner)
    : desc(module), store(owner), handle(this) {}

InstanceData::~InstanceData() {
  if (codeRegistered) unregisterModuleCode(desc);
  free(vmctx);
}

kiln_val* InstanceData::globalCell(uint32_t index) const {
  const kiln_global_desc& g = desc->globals[index];
  char* slot = reinterpret_cast<char*>(vmctx) + g.vmctx_offset;
  if (g.imported) {
    kiln_val* cell;
    std::memcpy(&cell, slot, sizeof cell);
    return cell;
  }
  return reinterpret_cast<kiln_val*>(slot);
}

Extern externFor(const InstanceData& inst, kiln_extern_kind kind, uint32_t index) {
  Extern ext;
  ext.kind = kind;
  const kiln_module_desc* desc = inst.desc;
  switch (kind) {
    case KILN_EXTERN_FUNC: {
      ext.func = inst.funcs[index];
      const kiln_type_desc& type = desc->types[desc->funcs[index].type_index];
      ext.params.assign(type.types, type.types + type.num_params);
      ext.results.assign(type.types + type.num_params, type.types + type.num_params + type.num_results);
      break;
    }
    case KILN_EXTERN_TABLE:
      ext.table = inst.tables[index];
      break;
    case KILN_EXTERN_MEMORY:
      ext.memory = inst.vmctx->memory;
      break;
    case KILN_EXTERN_GLOBAL:
      ext.global = inst.globalCell(index);
      ext.globalType = desc->globals[index].type;
      ext.globalMutable = desc->globals[index].is_mutable != 0;
      break;
  }
  return ext;
}

namespace {

std::string hex(uint32_t value) {
  char buf[16];
  snprintf(buf, sizeof buf, "%x", value);
  return buf;
}

}  // namespace

std::string checkDescriptor(const kiln_module_desc* desc) {
  if (!desc) return "no module descriptor";
  if (desc->abi_version != KILN_ABI_VERSION)
    return "module was compiled for Kiln ABI " + std::to_string(desc->abi_version) + "; this runtime is ABI " +
           std::to_string(KILN_ABI_VERSION) + ": recompile it";
  if (desc->flags & ~KILN_FLAGS_KNOWN)
    return "module was compiled with options this runtime does not support (flags 0x" + hex(desc->flags) +
           "): recompile it";
  constexpr uint32_t kContract = KILN_FLAG_MEMORY_PAGE_CAP | KILN_FLAG_STACK_CHECKS | KILN_FLAG_FRAME_POINTERS;
  if ((desc->flags & kContract) != kContract)
    return "module was compiled without the stack, memory and frame contract of this runtime (flags 0x" +
           hex(desc->flags) + "): recompile it";
  if (desc->num_memories > 1) return "module has " + std::to_string(desc->num_memories) +
                                     " memories; this runtime supports at most one";
  if (desc->vmctx_size < KILN_VMCTX_HEADER_SIZE) return "corrupt module descriptor: VM context too small";
  if (desc->num_imported_funcs > desc->num_funcs) return "corrupt module descriptor: function counts";
  for (uint32_t i = 0; i < desc->num_funcs; ++i)
    if (desc->funcs[i].type_index >= desc->num_types) return "corrupt module descriptor: function type";
  for (uint32_t i = 0; i < desc->num_globals; ++i) {
    const kiln_global_desc& g = desc->globals[i];
    uint32_t size = g.imported ? sizeof(void*) : KILN_GLOBAL_CELL_SIZE;
    if (g.vmctx_offset < KILN_VMCTX_HEADER_SIZE || uint64_t{g.vmctx_offset} + size > desc->vmctx_size)
      return "corrupt module descriptor: global " + std::to_string(i) + " lies outside the VM context";
  }
  if (desc->start_func >= 0 && static_cast<uint32_t>(desc->start_func) >= desc->num_funcs)
    return "corrupt module descriptor: start function";
  return {};
}

namespace {

// What the store demands of the modules instantiated in it.
std::string checkStoreNeeds(const kiln_module_desc* desc, const StoreConfig& config) {
  if (config.fuel && !(desc->flags & KILN_FLAG_FUEL))
    return "the store meters fuel, but the module was compiled without fuel metering: compile it with --fuel";
  if (config.requireInterruptible && !(desc->flags & KILN_FLAG_EPOCH_CHECKS))
    return "the module was compiled with --epoch-checks=off, so a timeout or interrupt could not stop it: "
           "compile it with epoch checks (the default)";
  return {};
}

}  // namespace
}  // namespace rt

Instance* Store::instantiate(const kiln_module_desc* desc, const ImportResolver& imports, InstantiateError* error,
                             void* host) {
  return instantiateFrom(desc, nullptr, imports, error, host);
}

Instance* Store::instantiate(const PreparedModule& module, const ImportResolver& imports, InstantiateError* error,
                             void* host) {
  return instantiateFrom(module.module(), &module, imports, error, host);
}

Instance* Store::instantiateFrom(const kiln_module_desc* desc, const PreparedModule* preparedModule,
                                 const ImportResolver& imports, InstantiateError* error, void* host) {
  const PreparedModule::Impl* prepared = preparedModule ? &preparedModule->impl() : nullptr;
  InstantiateError localError;
  if (!error) error = &localError;
  *error = InstantiateError{};
  auto fail = [&](InstantiateError::Kind kind, std::string message) -> Instance* {
    error->kind = kind;
    error->message = std::move(message);
    return nullptr;
  };
  // A prepared module's descriptor was checked when it was prepared.
  if (!prepared) {
    if (std::string problem = rt::checkDescriptor(desc); !problem.empty())
      return fail(InstantiateError::Kind::Other, problem);
  }
  Impl& store = *impl_;
  if (std::string problem = rt::checkStoreNeeds(desc, store.config); !problem.empty())
    return fail(InstantiateError::Kind::Other, problem);
  if (store.instances.size() >= store.config.limits.maxInstances)
    return fail(InstantiateError::Kind::Limit, "the store already holds its limit of " +
                                                   std::to_string(store.config.limits.maxInstances) + " instances");

  auto inst = std::make_unique<InstanceData>(desc, &store);
  // The VM context: header plus globals; cache-line aligned, zeroed.
  size_t vmctxSize = (desc->vmctx_size + 63) & ~size_t{63};
  inst->vmctx = static_cast<kiln_vmctx*>(aligned_alloc(64, vmctxSize));
  if (!inst->vmctx) return fail(InstantiateError::Kind::Other, "out of memory allocating the VM context");
  std::memset(inst->vmctx, 0, vmctxSize);
  kiln_vmctx* vmctx = inst->vmctx;
  vmctx->instance = inst.get();
  vmctx->host = host;
  vmctx->limits = &store.shared->limits;

  if (prepared) {
    inst->typeIds = prepared->typeIds;
  } else {
    inst->typeIds.resize(desc->num_types);
    for (uint32_t t = 0; t < desc->num_types; ++t) inst->typeIds[t] = rt::internType(desc->types[t]);
  }
  inst->ownFuncs.reset(new kiln_func[desc->num_funcs ? desc->num_funcs : 1]());
  inst->funcs.assign(desc->num_funcs, nullptr);
  inst->tables.assign(desc->num_tables, nullptr);
  vmctx->type_ids = inst->typeIds.data();
  vmctx->funcs = inst->funcs.data();
  vmctx->tables = inst->tables.data();

  // Imports first: defined globals may read imported ones, and the segments
  // write to imported tables and memories.
  if (!rt::resolveImports(*inst, imports, error)) return nullptr;
  rt::bindHostFunctions(store, desc, inst->typeIds);

  for (uint32_t i = 0; i < desc->num_funcs; ++i) {
    if (inst->funcs[i]) continue;
    const kiln_func_desc& fd = desc->funcs[i];
    if (!fd.code) return fail(InstantiateError::Kind::Other, "corrupt module descriptor: function " +
                                                                 std::to_string(i) + " has no code");
    kiln_func& f = inst->ownFuncs[i];
    f.code = fd.code;
    f.vmctx = vmctx;
    f.type_id = inst->typeIds[fd.type_index];
    f.array_call = desc->types[fd.type_index].array_call;
    inst->funcs[i] = &f;
  }

  for (uint32_t t = 0; t < desc->num_tables; ++t) {
    if (inst->tables[t]) continue;
    const kiln_table_desc& td = desc->tables[t];
    std::string problem;
    bool limit = false;
    std::unique_ptr<rt::Table> table = rt::Table::create(td.elem_type, td.min, td.max, &store.account, &problem, &limit);
    if (!table) return fail(limit ? InstantiateError::Kind::Limit : InstantiateError::Kind::Other, problem);
    inst->tables[t] = &table->table;
    inst->ownTables.push_back(std::move(table));
  }

  if (desc->num_memories == 1 && !desc->memories[0].imported) {
    std::string problem;
    bool limit = false;
    bool guardPages = !(desc->flags & KILN_FLAG_EXPLICIT_BOUNDS_CHECKS);
    inst->ownMemory = rt::Memory::create(desc->memories[0].min, desc->memories[0].max, guardPages, &store.account,
                                         &problem, &limit, prepared ? prepared->image.get() : nullptr);
    if (!inst->ownMemory) return fail(limit ? InstantiateError::Kind::Limit : InstantiateError::Kind::Other, problem);
    // The image holds every active data segment (prepared_module.cpp).
    inst->dataInImage = inst->ownMemory->imageId != 0;
    vmctx->memory = &inst->ownMemory->memory;
    vmctx->memory_base = vmctx->memory->base;
  }

  for (uint32_t g = 0; g < desc->num_globals; ++g) {
    const kiln_global_desc& gd = desc->globals[g];
    if (gd.imported) continue;
    *inst->globalCell(g) = rt::evalConstExpr(*inst, gd.init);
  }

  // From here on the instance's objects can be imported by others and its
  // code can run: the store knows them, and the code is registered.
  std::vector<const void*> known{vmctx};
  for (auto& table : inst->ownTables) known.push_back(&table->table);
  if (inst->ownMemory) known.push_back(&inst->ownMemory->memory);
  for (uint32_t e = 0; e < desc->num_exports; ++e) {
    const kiln_export_desc& ex = desc->exports[e];
    if (ex.kind == KILN_EXTERN_GLOBAL && ex.index < desc->num_globals && !desc->globals[ex.index].imported)
      known.push_back(inst->globalCell(ex.index));
    inst->exportIndex.emplace(std::string_view(ex.name, ex.name_len), e);
  }
  store.objects.insert(known.begin(), known.end());
  if (prepared) {
    inst->prepared = preparedModule->shared_from_this();
  } else {
    rt::registerModuleCode(desc);
    inst->codeRegistered = true;
  }
  InstanceData* data = inst.get();
  store.instances.push_back(std::move(inst));
  // A failed instantiation leaves the instance in the store when something
  // outside it may refer to it: its functions in an imported table, or (from
  // the start function) anything its imports reach. Otherwise it goes now.
  auto discard = [&] {
    for (const void* object : known) store.objects.erase(object);
    store.instances.pop_back();
  };

  rt::evaluateElemSegments(*data);
  if (!rt::applyActiveSegments(*data, error)) {
    bool importsTable = false;
    for (uint32_t i = 0; i < desc->num_imports; ++i) importsTable |= desc->imports[i].kind == KILN_EXTERN_TABLE;
    if (!importsTable) discard();
    return nullptr;
  }

  if (desc->start_func >= 0) {
    std::optional<Trap> trap = call(data->funcs[static_cast<uint32_t>(desc->start_func)], nullptr);
    if (trap) {
      error->kind = InstantiateError::Kind::Trap;
      error->message = !trap->error.empty() ? trap->error
                       : trap->exitStatus   ? "exit with status " + std::to_string(*trap->exitStatus)
                                            : std::string(trapMessage(trap->code));
      error->trap = std::move(trap);
      if (desc->num_imports == 0) discard();
      return nullptr;
    }
  }
  return &data->handle;
}

std::optional<Extern> Instance::exportNamed(std::string_view name) {
  const InstanceData& inst = *data_;
  auto it = inst.exportIndex.find(name);
  if (it == inst.exportIndex.end()) return std::nullopt;
  const kiln_export_desc& e = inst.desc->exports[it->second];
  return rt::externFor(inst, static_cast<kiln_extern_kind>(e.kind), e.index);
}

std::vector<std::string> Instance::exportNames() const {
  const kiln_module_desc* desc = data_->desc;
  std::vector<std::string> names;
  names.reserve(desc->num_exports);
  for (uint32_t e = 0; e < desc->num_exports; ++e) names.emplace_back(desc->exports[e].name, desc->exports[e].name_len);
  return names;
}

void* hostEnv(const kiln_vmctx* vmctx, const void* envTag) {
  const InstanceData* inst = rt::instanceOf(vmctx);
  if (!inst) return nullptr;
  for (const auto& [tag, env] : inst->hostEnvs)
    if (tag == envTag) return env;
  return nullptr;
}

void exitGuest(int status) { rt::unwindExit(status); }

}  // namespace kiln
