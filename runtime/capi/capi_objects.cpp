// The standard C API's runtime objects (wasm.h): engine, store, modules,
// instances, functions, globals, tables, memories, references, foreign
// objects and traps, on top of the runtime's C++ core (kiln.h). The
// pure-data part (types, vectors) is capi_types.cpp.
//
// Host functions made here are the runtime's ArrayHostFunc: compiled code
// calls them through its host-call thunks, and a callback's trap comes back
// as a value, so no host frame is ever jumped over.
#include <dlfcn.h>
#include <elf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "capi_internal.h"
#include "rt_fd.h"
#include "rt_memory.h"
#include "rt_table.h"
#include "rt_types.h"

using kiln::capi::ExternBox;
using kiln::capi::HostInfo;
using kiln::capi::Image;

namespace kiln::capi {
namespace {

// The loader maps a shared object's segments from the file and faults (in
// the loader, killing the process) on a part the file does not have: check
// that every header and loaded segment lies inside the bytes first.
bool wholeElf(const std::string& bytes, std::string* error) {
  auto fits = [&](uint64_t offset, uint64_t size) { return offset <= bytes.size() && size <= bytes.size() - offset; };
  Elf64_Ehdr header;
  if (bytes.size() < sizeof header || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0) {
    *error = "not a module compiled by Kiln (no shared object)";
    return false;
  }
  std::memcpy(&header, bytes.data(), sizeof header);
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_type != ET_DYN || header.e_machine != EM_X86_64 ||
      header.e_phentsize != sizeof(Elf64_Phdr) || !fits(header.e_phoff, uint64_t{header.e_phnum} * sizeof(Elf64_Phdr))) {
    *error = "not a shared object for this machine, or a damaged one";
    return false;
  }
  for (uint16_t i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr ph;
    std::memcpy(&ph, bytes.data() + header.e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type != PT_NULL && !fits(ph.p_offset, ph.p_filesz)) {
      *error = "damaged shared object: segment " + std::to_string(i) + " lies beyond its " +
               std::to_string(bytes.size()) + " bytes";
      return false;
    }
  }
  return true;
}

// wasm_module_serialize's format: this header, then the shared object. The
// checksum catches a truncated or damaged copy before the loader sees it.
constexpr char kSerialMagic[8] = {'K', 'I', 'L', 'N', 'M', 'O', 'D', '\0'};
struct SerialHeader {
  char magic[8];
  uint32_t abiVersion;
  uint32_t reserved;
  uint64_t size;
  uint64_t checksum;  // FNV-1a, 64 bits, of the shared object
};

uint64_t checksum(const char* data, size_t size) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < size; ++i) hash = (hash ^ static_cast<unsigned char>(data[i])) * 0x100000001b3ull;
  return hash;
}

}  // namespace

std::string serialize(const Image& image) {
  SerialHeader header{};
  std::memcpy(header.magic, kSerialMagic, sizeof kSerialMagic);
  header.abiVersion = KILN_ABI_VERSION;
  header.size = image.bytes.size();
  header.checksum = checksum(image.bytes.data(), image.bytes.size());
  std::string out(reinterpret_cast<const char*>(&header), sizeof header);
  return out + image.bytes;
}

std::shared_ptr<Image> deserialize(const char* data, size_t size, std::string* error) {
  SerialHeader header;
  if (size < sizeof header || std::memcmp(data, kSerialMagic, sizeof kSerialMagic) != 0) {
    *error = "not a module serialized by Kiln";
    return nullptr;
  }
  std::memcpy(&header, data, sizeof header);
  if (header.abiVersion != KILN_ABI_VERSION) {
    *error = "module was serialized for Kiln ABI " + std::to_string(header.abiVersion) + "; this runtime is ABI " +
             std::to_string(KILN_ABI_VERSION) + ": compile it again";
    return nullptr;
  }
  if (header.size != size - sizeof header || header.checksum != checksum(data + sizeof header, header.size)) {
    *error = "damaged serialized module (its size or checksum does not match)";
    return nullptr;
  }
  return loadImage(std::string(data + sizeof header, header.size), error);
}

Image::~Image() {
  hostInfo.finalize();
  prepared.reset();  // it refers to the descriptor: before the code goes
  if (handle) dlclose(handle);
  if (fd >= 0) close(fd);
}

std::shared_ptr<Image> loadImage(std::string bytes, std::string* error) {
  if (!wholeElf(bytes, error)) return nullptr;
  // dlopen needs a file: an anonymous one, gone when the process is.
  int fd = memfd_create("kiln-module", MFD_CLOEXEC);
  if (fd < 0) {
    *error = std::string("cannot make a file for the module: ") + strerror(errno);
    return nullptr;
  }
  if (!rt::writeAllToFd(fd, bytes.data(), bytes.size())) {
    *error = std::string("cannot write the module: ") + strerror(errno);
    close(fd);
    return nullptr;
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  auto image = std::make_shared<Image>();
  image->fd = fd;
  image->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!image->handle) {
    const char* message = dlerror();
    *error = std::string("cannot load the compiled module: ") + (message ? message : "dlopen failed");
    return nullptr;
  }
  image->desc = static_cast<const kiln_module_desc*>(dlsym(image->handle, KILN_MODULE_SYMBOL));
  if (!image->desc) {
    *error = "the shared object is not a module compiled by Kiln (no " KILN_MODULE_SYMBOL " descriptor)";
    return nullptr;
  }
  if (image->desc->abi_version != KILN_ABI_VERSION) {
    *error = "module was compiled for Kiln ABI " + std::to_string(image->desc->abi_version) +
             "; this runtime is ABI " + std::to_string(KILN_ABI_VERSION) + ": recompile it";
    return nullptr;
  }
  if (image->desc->kiln_version && std::string(image->desc->kiln_version) != KILN_VERSION) {
    *error = std::string("compiled by Kiln ") + image->desc->kiln_version + ", but this is Kiln " KILN_VERSION
             ": compile it again with this kiln";
    return nullptr;
  }
  image->prepared = PreparedModule::prepare(image->desc, error);
  if (!image->prepared) return nullptr;
  image->bytes = std::move(bytes);
  return image;
}

namespace {

uint8_t kilnType(wasm_valkind_t kind) {
  switch (kind) {
    case WASM_I32: return KILN_I32;
    case WASM_I64: return KILN_I64;
    case WASM_F32: return KILN_F32;
    case WASM_F64: return KILN_F64;
    case WASM_EXTERNREF: return KILN_EXTERNREF;
    case WASM_FUNCREF: return KILN_FUNCREF;
  }
  return 0;
}

wasm_valkind_t capiKind(uint8_t type) {
  switch (type) {
    case KILN_I64: return WASM_I64;
    case KILN_F32: return WASM_F32;
    case KILN_F64: return WASM_F64;
    case KILN_EXTERNREF: return WASM_EXTERNREF;
    case KILN_FUNCREF: return WASM_FUNCREF;
    default: return WASM_I32;
  }
}

bool isRef(uint8_t type) { return type == KILN_FUNCREF || type == KILN_EXTERNREF; }

wasm_valtype_vec_t valtypes(const std::vector<uint8_t>& types) {
  wasm_valtype_vec_t vec;
  wasm_valtype_vec_new_uninitialized(&vec, types.size());
  for (size_t i = 0; i < types.size(); ++i) vec.data[i] = wasm_valtype_new(capiKind(types[i]));
  return vec;
}

wasm_functype_t* functypeOf(const std::vector<uint8_t>& params, const std::vector<uint8_t>& results) {
  wasm_valtype_vec_t p = valtypes(params), r = valtypes(results);
  return wasm_functype_new(&p, &r);
}

std::vector<uint8_t> typesOf(const wasm_valtype_vec_t* vec) {
  std::vector<uint8_t> types;
  for (size_t i = 0; i < vec->size; ++i) types.push_back(kilnType(wasm_valtype_kind(vec->data[i])));
  return types;
}

// A reference value as the guest holds it: kiln_func* for funcref, an
// ExternBox for externref. False when the reference cannot be that type.
bool refToGuest(wasm_store_t* store, const wasm_ref_t* ref, uint8_t type, void** out) {
  if (!ref) {
    *out = nullptr;
    return true;
  }
  if (type == KILN_FUNCREF) {
    if (ref->kind != wasm_ref_t::Kind::Func) return false;
    *out = static_cast<const wasm_func_t*>(ref)->func;
    return true;
  }
  std::unique_ptr<ExternBox>& box = store->externBoxes[ref->identity()];
  if (!box) {
    box = std::make_unique<ExternBox>();
    box->ref.reset(ref->clone());
  }
  *out = box.get();
  return true;
}

wasm_ref_t* refFromGuest(wasm_store_t* store, void* value, uint8_t type) {
  if (!value) return nullptr;
  if (type == KILN_FUNCREF) return new wasm_func_t(store, static_cast<kiln_func*>(value));
  return static_cast<ExternBox*>(value)->ref->clone();
}

bool toGuest(wasm_store_t* store, const wasm_val_t& v, uint8_t type, kiln_val* out) {
  std::memset(out, 0, sizeof *out);
  if (v.kind != capiKind(type) || kilnType(v.kind) != type) return false;
  switch (v.kind) {
    case WASM_I32: out->i32 = v.of.i32; return true;
    case WASM_I64: out->i64 = v.of.i64; return true;
    case WASM_F32: out->f32 = v.of.f32; return true;
    case WASM_F64: out->f64 = v.of.f64; return true;
    default: return refToGuest(store, v.of.ref, type, &out->ref);
  }
}

wasm_val_t fromGuest(wasm_store_t* store, const kiln_val& v, uint8_t type) {
  wasm_val_t out;
  out.kind = capiKind(type);
  switch (type) {
    case KILN_I32: out.of.i32 = v.i32; break;
    case KILN_I64: out.of.i64 = v.i64; break;
    case KILN_F32: out.of.f32 = v.f32; break;
    case KILN_F64: out.of.f64 = v.f64; break;
    case KILN_FUNCREF:
    case KILN_EXTERNREF: out.of.ref = refFromGuest(store, v.ref, type); break;
    default: out.of.i32 = v.i32; break;  // v128, which the standard cannot express: its low 32 bits
  }
  return out;
}

bool hasV128(const std::vector<uint8_t>& types) {
  for (uint8_t t : types)
    if (t == KILN_V128) return true;
  return false;
}

void deleteRefs(wasm_val_t* values, size_t count) {
  for (size_t i = 0; i < count; ++i)
    if (wasm_valkind_is_ref(values[i].kind) && values[i].of.ref) {
      wasm_ref_delete(values[i].of.ref);
      values[i].of.ref = nullptr;
    }
}

bool signatureOf(const kiln_func* func, std::vector<uint8_t>* params, std::vector<uint8_t>* results) {
  return kiln::rt::signatureOf(func->type_id, params, results);
}

}  // namespace

wasm_trap_t* makeTrap(wasm_store_t* store, std::string message) {
  auto data = std::make_shared<TrapData>();
  data->message = std::move(message);
  return new wasm_trap_t(store, std::move(data));
}

wasm_trap_t* makeTrap(wasm_store_t* store, const Trap& trap) {
  std::string message;
  if (!trap.error.empty())
    message = trap.error;
  else if (trap.exitStatus)
    message = "guest exited with status " + std::to_string(*trap.exitStatus);
  else if (trap.code == KILN_TRAP_HOST)
    message = trap.message;
  else
    message = std::string("wasm trap: ") + trapMessage(trap.code);
  wasm_trap_t* out = makeTrap(store, std::move(message));
  out->data->code = trap.code;
  if (trap.exitStatus) {
    out->data->exited = true;
    out->data->exitStatus = *trap.exitStatus;
  }
  for (const Trap::Origin& origin : trap.origins) {
    if (!origin.module) continue;
    wasm_frame_t frame;
    frame.funcIndex = origin.funcIndex;
    out->data->frames.push_back(frame);
  }
  return out;
}

}  // namespace kiln::capi

using kiln::capi::makeTrap;
using namespace kiln::capi;

// ---- handles ------------------------------------------------------------------

HostInfo* wasm_ref_t::hostInfo() { return store ? &store->hostInfos[identity()] : nullptr; }

wasm_externkind_t wasm_extern_t::externKind() const {
  switch (kind) {
    case Kind::Global: return WASM_EXTERN_GLOBAL;
    case Kind::Table: return WASM_EXTERN_TABLE;
    case Kind::Memory: return WASM_EXTERN_MEMORY;
    default: return WASM_EXTERN_FUNC;
  }
}

kiln::Extern wasm_extern_t::toExtern() const {
  kiln::Extern ext;
  switch (kind) {
    case Kind::Func:
      ext.kind = KILN_EXTERN_FUNC;
      ext.func = static_cast<const wasm_func_t*>(this)->func;
      break;
    case Kind::Global: {
      auto* g = static_cast<const wasm_global_t*>(this);
      ext.kind = KILN_EXTERN_GLOBAL;
      ext.global = g->cell;
      ext.globalType = g->type;
      ext.globalMutable = g->isMutable;
      break;
    }
    case Kind::Table:
      ext.kind = KILN_EXTERN_TABLE;
      ext.table = static_cast<const wasm_table_t*>(this)->table;
      break;
    default:
      ext.kind = KILN_EXTERN_MEMORY;
      ext.memory = static_cast<const wasm_memory_t*>(this)->memory;
      break;
  }
  return ext;
}

// The reference functions every reference type has (WASM_DECLARE_REF_BASE),
// and the conversions to and from wasm_ref_t (WASM_DECLARE_REF).
#define KILN_CAPI_REF_BASE(name)                                                                           \
  void wasm_##name##_delete(wasm_##name##_t* ref) { delete ref; }                                          \
  wasm_##name##_t* wasm_##name##_copy(const wasm_##name##_t* ref) {                                        \
    return ref ? static_cast<wasm_##name##_t*>(ref->clone()) : nullptr;                                    \
  }                                                                                                        \
  bool wasm_##name##_same(const wasm_##name##_t* a, const wasm_##name##_t* b) {                            \
    return a == b || (a && b && a->identity() == b->identity());                                           \
  }                                                                                                        \
  void* wasm_##name##_get_host_info(const wasm_##name##_t* ref) {                                          \
    HostInfo* info = const_cast<wasm_##name##_t*>(ref)->hostInfo();                                        \
    return info ? info->info : nullptr;                                                                    \
  }                                                                                                        \
  void wasm_##name##_set_host_info(wasm_##name##_t* ref, void* info) {                                     \
    wasm_##name##_set_host_info_with_finalizer(ref, info, nullptr);                                        \
  }                                                                                                        \
  void wasm_##name##_set_host_info_with_finalizer(wasm_##name##_t* ref, void* info, void (*finalizer)(void*)) { \
    if (HostInfo* slot = ref->hostInfo()) {                                                                \
      slot->info = info;                                                                                   \
      slot->finalizer = finalizer;                                                                         \
    }                                                                                                      \
  }

#define KILN_CAPI_REF(name, KIND)                                                                          \
  KILN_CAPI_REF_BASE(name)                                                                                 \
  wasm_ref_t* wasm_##name##_as_ref(wasm_##name##_t* ref) { return ref; }                                   \
  const wasm_ref_t* wasm_##name##_as_ref_const(const wasm_##name##_t* ref) { return ref; }                 \
  wasm_##name##_t* wasm_ref_as_##name(wasm_ref_t* ref) {                                                   \
    return ref && ref->kind == wasm_ref_t::Kind::KIND ? static_cast<wasm_##name##_t*>(ref) : nullptr;      \
  }                                                                                                        \
  const wasm_##name##_t* wasm_ref_as_##name##_const(const wasm_ref_t* ref) {                               \
    return ref && ref->kind == wasm_ref_t::Kind::KIND ? static_cast<const wasm_##name##_t*>(ref) : nullptr; \
  }

extern "C" {

KILN_CAPI_REF_BASE(ref)
KILN_CAPI_REF(trap, Trap)
KILN_CAPI_REF(foreign, Foreign)
KILN_CAPI_REF(module, Module)
KILN_CAPI_REF(func, Func)
KILN_CAPI_REF(global, Global)
KILN_CAPI_REF(table, Table)
KILN_CAPI_REF(memory, Memory)
KILN_CAPI_REF(instance, Instance)

// Externs are functions, globals, tables or memories: the same base, and
// conversions from a reference of any of those four kinds.
KILN_CAPI_REF_BASE(extern)
wasm_ref_t* wasm_extern_as_ref(wasm_extern_t* ext) { return ext; }
const wasm_ref_t* wasm_extern_as_ref_const(const wasm_extern_t* ext) { return ext; }
wasm_extern_t* wasm_ref_as_extern(wasm_ref_t* ref) {
  if (!ref) return nullptr;
  switch (ref->kind) {
    case wasm_ref_t::Kind::Func:
    case wasm_ref_t::Kind::Global:
    case wasm_ref_t::Kind::Table:
    case wasm_ref_t::Kind::Memory: return static_cast<wasm_extern_t*>(ref);
    default: return nullptr;
  }
}
const wasm_extern_t* wasm_ref_as_extern_const(const wasm_ref_t* ref) {
  return wasm_ref_as_extern(const_cast<wasm_ref_t*>(ref));
}

wasm_externkind_t wasm_extern_kind(const wasm_extern_t* ext) { return ext->externKind(); }

wasm_extern_t* wasm_func_as_extern(wasm_func_t* f) { return f; }
wasm_extern_t* wasm_global_as_extern(wasm_global_t* g) { return g; }
wasm_extern_t* wasm_table_as_extern(wasm_table_t* t) { return t; }
wasm_extern_t* wasm_memory_as_extern(wasm_memory_t* m) { return m; }
const wasm_extern_t* wasm_func_as_extern_const(const wasm_func_t* f) { return f; }
const wasm_extern_t* wasm_global_as_extern_const(const wasm_global_t* g) { return g; }
const wasm_extern_t* wasm_table_as_extern_const(const wasm_table_t* t) { return t; }
const wasm_extern_t* wasm_memory_as_extern_const(const wasm_memory_t* m) { return m; }

wasm_func_t* wasm_extern_as_func(wasm_extern_t* e) {
  return e && e->kind == wasm_ref_t::Kind::Func ? static_cast<wasm_func_t*>(e) : nullptr;
}
wasm_global_t* wasm_extern_as_global(wasm_extern_t* e) {
  return e && e->kind == wasm_ref_t::Kind::Global ? static_cast<wasm_global_t*>(e) : nullptr;
}
wasm_table_t* wasm_extern_as_table(wasm_extern_t* e) {
  return e && e->kind == wasm_ref_t::Kind::Table ? static_cast<wasm_table_t*>(e) : nullptr;
}
wasm_memory_t* wasm_extern_as_memory(wasm_extern_t* e) {
  return e && e->kind == wasm_ref_t::Kind::Memory ? static_cast<wasm_memory_t*>(e) : nullptr;
}
const wasm_func_t* wasm_extern_as_func_const(const wasm_extern_t* e) {
  return wasm_extern_as_func(const_cast<wasm_extern_t*>(e));
}
const wasm_global_t* wasm_extern_as_global_const(const wasm_extern_t* e) {
  return wasm_extern_as_global(const_cast<wasm_extern_t*>(e));
}
const wasm_table_t* wasm_extern_as_table_const(const wasm_extern_t* e) {
  return wasm_extern_as_table(const_cast<wasm_extern_t*>(e));
}
const wasm_memory_t* wasm_extern_as_memory_const(const wasm_extern_t* e) {
  return wasm_extern_as_memory(const_cast<wasm_extern_t*>(e));
}

wasm_externtype_t* wasm_extern_type(const wasm_extern_t* ext) {
  switch (ext->kind) {
    case wasm_ref_t::Kind::Func: return wasm_functype_as_externtype(wasm_func_type(static_cast<const wasm_func_t*>(ext)));
    case wasm_ref_t::Kind::Global:
      return wasm_globaltype_as_externtype(wasm_global_type(static_cast<const wasm_global_t*>(ext)));
    case wasm_ref_t::Kind::Table:
      return wasm_tabletype_as_externtype(wasm_table_type(static_cast<const wasm_table_t*>(ext)));
    default: return wasm_memorytype_as_externtype(wasm_memory_type(static_cast<const wasm_memory_t*>(ext)));
  }
}

// ---- config, engine, store ----------------------------------------------------------

wasm_config_t* wasm_config_new(void) { return new wasm_config_t; }
void wasm_config_delete(wasm_config_t* config) { delete config; }

wasm_engine_t* wasm_engine_new(void) { return new wasm_engine_t; }
wasm_engine_t* wasm_engine_new_with_config(wasm_config_t* config) {
  auto* engine = new wasm_engine_t;
  if (config) {
    engine->store = config->store;
    delete config;
  }
  return engine;
}
void wasm_engine_delete(wasm_engine_t* engine) { delete engine; }

wasm_store_t* wasm_store_new(wasm_engine_t* engine) {
  return new wasm_store_t(engine ? engine->store : kiln::StoreConfig{});
}

void wasm_store_delete(wasm_store_t* store) {
  if (!store) return;
  // Host info finalizers after the store's objects are gone, as a
  // collector would run them; externref boxes hold handles, not objects.
  std::unordered_map<const void*, HostInfo> infos = std::move(store->hostInfos);
  delete store;
  for (auto& [identity, info] : infos) info.finalize();
}

// ---- foreign objects ------------------------------------------------------------

wasm_foreign_t* wasm_foreign_new(wasm_store_t* store) {
  store->foreigns.push_back(std::make_unique<char>());
  return new wasm_foreign_t(store, store->foreigns.back().get());
}

// ---- traps and frames ----------------------------------------------------------------

wasm_trap_t* wasm_trap_new(wasm_store_t* store, const wasm_message_t* message) {
  std::string text;
  if (message && message->size) {
    text.assign(message->data, message->size);
    if (!text.empty() && text.back() == '\0') text.pop_back();
  }
  return makeTrap(store, std::move(text));
}

void wasm_trap_message(const wasm_trap_t* trap, wasm_message_t* out) {
  const std::string& text = trap->data->message;
  wasm_byte_vec_new(out, text.size() + 1, text.c_str());  // with its NUL, as the standard's examples print it
}

wasm_frame_t* wasm_trap_origin(const wasm_trap_t* trap) {
  if (trap->data->frames.empty()) return nullptr;
  return new wasm_frame_t(trap->data->frames.front());
}

void wasm_trap_trace(const wasm_trap_t* trap, wasm_frame_vec_t* out) {
  const auto& frames = trap->data->frames;
  wasm_frame_vec_new_uninitialized(out, frames.size());
  for (size_t i = 0; i < frames.size(); ++i) out->data[i] = new wasm_frame_t(frames[i]);
}

void wasm_frame_delete(wasm_frame_t* frame) { delete frame; }
wasm_frame_t* wasm_frame_copy(const wasm_frame_t* frame) { return frame ? new wasm_frame_t(*frame) : nullptr; }
// Frames do not keep their instance: a module's functions are shared by its
// instances, and the code address says only which module and function.
wasm_instance_t* wasm_frame_instance(const wasm_frame_t*) { return nullptr; }
uint32_t wasm_frame_func_index(const wasm_frame_t* frame) { return frame->funcIndex; }
size_t wasm_frame_func_offset(const wasm_frame_t* frame) { return frame->funcOffset; }
size_t wasm_frame_module_offset(const wasm_frame_t* frame) { return frame->moduleOffset; }

// ---- modules -------------------------------------------------------------------

wasm_module_t* wasm_module_new(wasm_store_t* store, const wasm_byte_vec_t* binary) {
  if (!binary || !kiln::capi::compileToSharedObject) return nullptr;
  std::string so, error;
  if (!kiln::capi::compileToSharedObject(reinterpret_cast<const uint8_t*>(binary->data), binary->size, &so, &error))
    return nullptr;
  std::shared_ptr<Image> image = kiln::capi::loadImage(std::move(so), &error);
  return image ? new wasm_module_t(store, std::move(image)) : nullptr;
}

bool wasm_module_validate(wasm_store_t*, const wasm_byte_vec_t* binary) {
  if (!binary || !kiln::capi::validateBinary) return false;
  std::string error;
  return kiln::capi::validateBinary(reinterpret_cast<const uint8_t*>(binary->data), binary->size, &error);
}

void wasm_module_serialize(const wasm_module_t* module, wasm_byte_vec_t* out) {
  std::string bytes = kiln::capi::serialize(*module->image);
  wasm_byte_vec_new(out, bytes.size(), bytes.data());
}

wasm_module_t* wasm_module_deserialize(wasm_store_t* store, const wasm_byte_vec_t* bytes) {
  if (!bytes || !bytes->data) return nullptr;
  std::string error;
  std::shared_ptr<Image> image = kiln::capi::deserialize(bytes->data, bytes->size, &error);
  return image ? new wasm_module_t(store, std::move(image)) : nullptr;
}

wasm_shared_module_t* wasm_module_share(const wasm_module_t* module) {
  return new wasm_shared_module_t{module->image};
}
void wasm_shared_module_delete(wasm_shared_module_t* shared) { delete shared; }
wasm_module_t* wasm_module_obtain(wasm_store_t* store, const wasm_shared_module_t* shared) {
  return shared ? new wasm_module_t(store, shared->image) : nullptr;
}

}  // extern "C"

namespace {

wasm_limits_t limitsOf(uint64_t min, uint64_t max) {
  wasm_limits_t limits;
  limits.min = static_cast<uint32_t>(std::min<uint64_t>(min, UINT32_MAX));
  limits.max = max == KILN_NO_MAX ? wasm_limits_max_default : static_cast<uint32_t>(std::min<uint64_t>(max, UINT32_MAX));
  return limits;
}

wasm_externtype_t* externtypeOf(const kiln_module_desc* desc, uint8_t kind, uint32_t index) {
  switch (kind) {
    case KILN_EXTERN_FUNC: {
      const kiln_type_desc& t = desc->types[desc->funcs[index].type_index];
      std::vector<uint8_t> params(t.types, t.types + t.num_params);
      std::vector<uint8_t> results(t.types + t.num_params, t.types + t.num_params + t.num_results);
      return wasm_functype_as_externtype(functypeOf(params, results));
    }
    case KILN_EXTERN_TABLE: {
      const kiln_table_desc& t = desc->tables[index];
      wasm_limits_t limits = limitsOf(t.min, t.max);
      return wasm_tabletype_as_externtype(wasm_tabletype_new(wasm_valtype_new(capiKind(t.elem_type)), &limits));
    }
    case KILN_EXTERN_MEMORY: {
      const kiln_memory_desc& m = desc->memories[index];
      wasm_limits_t limits = limitsOf(m.min, m.max);
      return wasm_memorytype_as_externtype(wasm_memorytype_new(&limits));
    }
    default: {
      const kiln_global_desc& g = desc->globals[index];
      return wasm_globaltype_as_externtype(
          wasm_globaltype_new(wasm_valtype_new(capiKind(g.type)), g.is_mutable ? WASM_VAR : WASM_CONST));
    }
  }
}

wasm_name_t nameOf(const char* data, size_t size) {
  wasm_name_t name;
  wasm_byte_vec_new(&name, size, data);
  return name;
}

// The data of a host function made through the C API.
struct Callback {
  wasm_store_t* store;
  wasm_func_callback_t plain = nullptr;
  wasm_func_callback_with_env_t withEnv = nullptr;
  void* env = nullptr;
  void (*finalizer)(void*) = nullptr;
  std::vector<uint8_t> params, results;
};

bool runCallback(void* data, kiln_val* args, std::string* message) {
  auto* cb = static_cast<Callback*>(data);
  std::vector<wasm_val_t> in(cb->params.size()), out(cb->results.size());
  for (size_t i = 0; i < in.size(); ++i) in[i] = kiln::capi::fromGuest(cb->store, args[i], cb->params[i]);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].kind = kiln::capi::capiKind(cb->results[i]);
    std::memset(&out[i].of, 0, sizeof out[i].of);
  }
  wasm_val_vec_t argVec{in.size(), in.data()};
  wasm_val_vec_t resultVec{out.size(), out.data()};
  wasm_trap_t* trap = cb->withEnv ? cb->withEnv(cb->env, &argVec, &resultVec) : cb->plain(&argVec, &resultVec);
  kiln::capi::deleteRefs(in.data(), in.size());
  bool ok = !trap;
  if (trap) {
    *message = trap->data->message;
    wasm_trap_delete(trap);
  } else {
    for (size_t i = 0; i < out.size() && ok; ++i) {
      if (!kiln::capi::toGuest(cb->store, out[i], cb->results[i], &args[i])) {
        *message = "host function returned result " + std::to_string(i) + " of the wrong type";
        ok = false;
      }
    }
  }
  kiln::capi::deleteRefs(out.data(), out.size());
  return ok;
}

void finalizeCallback(void* data) {
  auto* cb = static_cast<Callback*>(data);
  if (cb->finalizer) cb->finalizer(cb->env);
  delete cb;
}

wasm_func_t* newFunc(wasm_store_t* store, const wasm_functype_t* type, Callback* cb) {
  cb->store = store;
  cb->params = kiln::capi::typesOf(wasm_functype_params(type));
  cb->results = kiln::capi::typesOf(wasm_functype_results(type));
  kiln::ArrayHostFunc def;
  def.params = cb->params;
  def.results = cb->results;
  def.callback = runCallback;
  def.data = cb;
  def.finalizer = finalizeCallback;
  kiln_func* func = store->store.hostFunction(std::move(def));
  return new wasm_func_t(store, func);
}

}  // namespace

extern "C" {

void wasm_module_imports(const wasm_module_t* module, wasm_importtype_vec_t* out) {
  const kiln_module_desc* desc = module->image->desc;
  wasm_importtype_vec_new_uninitialized(out, desc->num_imports);
  for (uint32_t i = 0; i < desc->num_imports; ++i) {
    const kiln_import_desc& imp = desc->imports[i];
    wasm_name_t moduleName = nameOf(imp.module, imp.module_len);
    wasm_name_t name = nameOf(imp.name, imp.name_len);
    out->data[i] = wasm_importtype_new(&moduleName, &name, externtypeOf(desc, imp.kind, imp.index));
  }
}

void wasm_module_exports(const wasm_module_t* module, wasm_exporttype_vec_t* out) {
  const kiln_module_desc* desc = module->image->desc;
  wasm_exporttype_vec_new_uninitialized(out, desc->num_exports);
  for (uint32_t i = 0; i < desc->num_exports; ++i) {
    const kiln_export_desc& ex = desc->exports[i];
    wasm_name_t name = nameOf(ex.name, ex.name_len);
    out->data[i] = wasm_exporttype_new(&name, externtypeOf(desc, ex.kind, ex.index));
  }
}

// ---- functions -----------------------------------------------------------------

wasm_func_t* wasm_func_new(wasm_store_t* store, const wasm_functype_t* type, wasm_func_callback_t callback) {
  if (!store || !type || !callback) return nullptr;
  auto* cb = new Callback;
  cb->plain = callback;
  return newFunc(store, type, cb);
}

wasm_func_t* wasm_func_new_with_env(wasm_store_t* store, const wasm_functype_t* type,
                                    wasm_func_callback_with_env_t callback, void* env, void (*finalizer)(void*)) {
  if (!store || !type || !callback) return nullptr;
  auto* cb = new Callback;
  cb->withEnv = callback;
  cb->env = env;
  cb->finalizer = finalizer;
  return newFunc(store, type, cb);
}

wasm_functype_t* wasm_func_type(const wasm_func_t* func) {
  std::vector<uint8_t> params, results;
  kiln::capi::signatureOf(func->func, &params, &results);
  return kiln::capi::functypeOf(params, results);
}

size_t wasm_func_param_arity(const wasm_func_t* func) {
  std::vector<uint8_t> params, results;
  kiln::capi::signatureOf(func->func, &params, &results);
  return params.size();
}

size_t wasm_func_result_arity(const wasm_func_t* func) {
  std::vector<uint8_t> params, results;
  kiln::capi::signatureOf(func->func, &params, &results);
  return results.size();
}

wasm_trap_t* wasm_func_call(const wasm_func_t* func, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  wasm_store_t* store = func->store;
  std::vector<uint8_t> params, resultTypes;
  if (!kiln::capi::signatureOf(func->func, &params, &resultTypes)) return makeTrap(store, "unknown function type");
  if (kiln::capi::hasV128(params) || kiln::capi::hasV128(resultTypes))
    return makeTrap(store, "the function's signature has a v128, which the C API cannot pass");
  size_t given = args ? args->size : 0;
  if (given != params.size())
    return makeTrap(store, "expected " + std::to_string(params.size()) + " arguments, got " + std::to_string(given));
  if (resultTypes.size() > (results ? results->size : 0))
    return makeTrap(store, "expected room for " + std::to_string(resultTypes.size()) + " results");
  std::vector<kiln_val> values(std::max<size_t>({params.size(), resultTypes.size(), 1}));
  for (size_t i = 0; i < params.size(); ++i)
    if (!kiln::capi::toGuest(store, args->data[i], params[i], &values[i]))
      return makeTrap(store, "argument " + std::to_string(i) + " has the wrong type");
  std::optional<kiln::Trap> trap = store->store.call(func->func, values.data());
  if (trap) return makeTrap(store, *trap);
  for (size_t i = 0; i < resultTypes.size(); ++i)
    results->data[i] = kiln::capi::fromGuest(store, values[i], resultTypes[i]);
  return nullptr;
}

// ---- globals -------------------------------------------------------------------

wasm_global_t* wasm_global_new(wasm_store_t* store, const wasm_globaltype_t* type, const wasm_val_t* value) {
  if (!store || !type || !value) return nullptr;
  uint8_t kind = kiln::capi::kilnType(wasm_valtype_kind(wasm_globaltype_content(type)));
  kiln_val initial;
  if (!kiln::capi::toGuest(store, *value, kind, &initial)) return nullptr;
  bool isMutable = wasm_globaltype_mutability(type) == WASM_VAR;
  kiln::Extern ext = store->store.global(kind, isMutable, initial);
  return new wasm_global_t(store, ext.global, kind, isMutable);
}

wasm_globaltype_t* wasm_global_type(const wasm_global_t* global) {
  return wasm_globaltype_new(wasm_valtype_new(kiln::capi::capiKind(global->type)),
                             global->isMutable ? WASM_VAR : WASM_CONST);
}

void wasm_global_get(const wasm_global_t* global, wasm_val_t* out) {
  *out = kiln::capi::fromGuest(global->store, *global->cell, global->type);
}

void wasm_global_set(wasm_global_t* global, const wasm_val_t* value) {
  // The standard leaves setting an immutable global (or a value of another
  // type) undefined; Kiln leaves the global as it was.
  kiln_val v;
  if (!global->isMutable || !kiln::capi::toGuest(global->store, *value, global->type, &v)) return;
  *global->cell = v;
}

// ---- tables ----------------------------------------------------------------------

wasm_table_t* wasm_table_new(wasm_store_t* store, const wasm_tabletype_t* type, wasm_ref_t* init) {
  if (!store || !type) return nullptr;
  uint8_t elem = kiln::capi::kilnType(wasm_valtype_kind(wasm_tabletype_element(type)));
  if (!kiln::capi::isRef(elem)) return nullptr;
  void* initial = nullptr;
  if (!kiln::capi::refToGuest(store, init, elem, &initial)) return nullptr;
  const wasm_limits_t* limits = wasm_tabletype_limits(type);
  uint64_t max = limits->max == wasm_limits_max_default ? KILN_NO_MAX : limits->max;
  std::optional<kiln::Extern> ext = store->store.table(elem, limits->min, max);
  if (!ext) return nullptr;
  for (uint32_t i = 0; i < ext->table->size; ++i) ext->table->elements[i] = initial;
  return new wasm_table_t(store, ext->table);
}

wasm_tabletype_t* wasm_table_type(const wasm_table_t* table) {
  uint64_t max = kiln::rt::tableObject(table->table)->declaredMax;
  wasm_limits_t limits = limitsOf(table->table->size, max);
  return wasm_tabletype_new(wasm_valtype_new(kiln::capi::capiKind(table->table->elem_type)), &limits);
}

wasm_ref_t* wasm_table_get(const wasm_table_t* table, wasm_table_size_t index) {
  if (index >= table->table->size) return nullptr;
  return kiln::capi::refFromGuest(table->store, table->table->elements[index], table->table->elem_type);
}

bool wasm_table_set(wasm_table_t* table, wasm_table_size_t index, wasm_ref_t* ref) {
  if (index >= table->table->size) return false;
  void* value = nullptr;
  if (!kiln::capi::refToGuest(table->store, ref, table->table->elem_type, &value)) return false;
  table->table->elements[index] = value;
  return true;
}

wasm_table_size_t wasm_table_size(const wasm_table_t* table) { return table->table->size; }

bool wasm_table_grow(wasm_table_t* table, wasm_table_size_t delta, wasm_ref_t* init) {
  void* value = nullptr;
  if (!kiln::capi::refToGuest(table->store, init, table->table->elem_type, &value)) return false;
  return kiln::rt::growTable(table->table, delta, value) >= 0;
}

// ---- memories ---------------------------------------------------------------------

wasm_memory_t* wasm_memory_new(wasm_store_t* store, const wasm_memorytype_t* type) {
  if (!store || !type) return nullptr;
  const wasm_limits_t* limits = wasm_memorytype_limits(type);
  uint64_t max = limits->max == wasm_limits_max_default ? KILN_NO_MAX : limits->max;
  std::optional<kiln::Extern> ext = store->store.memory(limits->min, max);
  return ext ? new wasm_memory_t(store, ext->memory) : nullptr;
}

wasm_memorytype_t* wasm_memory_type(const wasm_memory_t* memory) {
  uint64_t max = kiln::rt::memoryObject(memory->memory)->declaredMax;
  wasm_limits_t limits = limitsOf(memory->memory->size / KILN_WASM_PAGE_SIZE, max);
  return wasm_memorytype_new(&limits);
}

byte_t* wasm_memory_data(wasm_memory_t* memory) { return reinterpret_cast<byte_t*>(memory->memory->base); }
size_t wasm_memory_data_size(const wasm_memory_t* memory) { return memory->memory->size; }
wasm_memory_pages_t wasm_memory_size(const wasm_memory_t* memory) {
  return static_cast<wasm_memory_pages_t>(memory->memory->size / KILN_WASM_PAGE_SIZE);
}
bool wasm_memory_grow(wasm_memory_t* memory, wasm_memory_pages_t delta) {
  return kiln::rt::growMemory(memory->memory, delta) >= 0;
}

// ---- instances ----------------------------------------------------------------------

wasm_instance_t* wasm_instance_new(wasm_store_t* store, const wasm_module_t* module, const wasm_extern_vec_t* imports,
                                   wasm_trap_t** trap) {
  if (trap) *trap = nullptr;
  if (!store || !module) return nullptr;
  const kiln_module_desc* desc = module->image->desc;
  size_t given = imports ? imports->size : 0;
  if (given < desc->num_imports) {
    if (trap)
      *trap = makeTrap(store, "the module has " + std::to_string(desc->num_imports) + " imports, but " +
                                  std::to_string(given) + " were given");
    return nullptr;
  }
  kiln::ImportResolver resolver;
  resolver.byIndex = [&](uint32_t index) -> std::optional<kiln::Extern> {
    const wasm_extern_t* ext = imports->data[index];
    if (!ext) return std::nullopt;
    return ext->toExtern();
  };
  // Keep the code loaded while the store lives, whatever happens next (a
  // failed instantiation may leave functions of it in the store's tables).
  if (std::find(store->images.begin(), store->images.end(), module->image) == store->images.end())
    store->images.push_back(module->image);
  kiln::InstantiateError error;
  kiln::Instance* instance = store->store.instantiate(*module->image->prepared, resolver, &error);
  if (!instance) {
    if (trap) *trap = error.trap ? makeTrap(store, *error.trap) : makeTrap(store, error.message);
    return nullptr;
  }
  return new wasm_instance_t(store, instance);
}

void wasm_instance_exports(const wasm_instance_t* instance, wasm_extern_vec_t* out) {
  wasm_store_t* store = instance->store;
  const kiln_module_desc* desc = instance->instance->module();
  wasm_extern_vec_new_uninitialized(out, desc->num_exports);
  for (uint32_t i = 0; i < desc->num_exports; ++i) {
    const kiln_export_desc& ex = desc->exports[i];
    std::optional<kiln::Extern> ext = instance->instance->exportNamed(std::string_view(ex.name, ex.name_len));
    wasm_extern_t* made = nullptr;
    switch (ext->kind) {
      case KILN_EXTERN_FUNC: made = new wasm_func_t(store, ext->func); break;
      case KILN_EXTERN_GLOBAL: made = new wasm_global_t(store, ext->global, ext->globalType, ext->globalMutable); break;
      case KILN_EXTERN_TABLE: made = new wasm_table_t(store, ext->table); break;
      case KILN_EXTERN_MEMORY: made = new wasm_memory_t(store, ext->memory); break;
    }
    out->data[i] = made;
  }
}

}  // extern "C"
