// The objects behind the standard C API (wasm.h) and Kiln's C extensions:
// shared by capi_objects.cpp (the standard's objects) and capi_kiln.cpp
// (kiln_*). Every wasm.h reference type is a handle (wasm_ref_t and its
// subclasses); copies are further handles on the same underlying object, its
// identity, which is what wasm_*_same compares and what host info belongs to.
#pragma once

#include <wasm.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "kiln/abi.h"
#include "kiln/kiln.hpp"

namespace kiln::capi {

// Host info and its finalizer, run when the object's owner goes (the store
// for store objects, the module image, the trap).
struct HostInfo {
  void* info = nullptr;
  void (*finalizer)(void*) = nullptr;
  void finalize() {
    if (finalizer) finalizer(info);
    finalizer = nullptr;
  }
};

// A compiled module loaded into this process: the shared object (dlopen
// handle), its descriptor, and its bytes (wasm_module_serialize). Shared by
// every wasm_module_t and wasm_shared_module_t made from it and by the
// stores that instantiated it: the code stays mapped while any of them
// lives.
struct Image {
  void* handle = nullptr;
  // The anonymous file the object was loaded from, open while it is loaded:
  // the loader knows the object by the name /proc/self/fd/N and would hand
  // out an object still loaded under the same name instead of loading anew.
  int fd = -1;
  const kiln_module_desc* desc = nullptr;
  std::string bytes;
  std::shared_ptr<const PreparedModule> prepared;
  HostInfo hostInfo;
  ~Image();
};

// Kiln's compiler, when the program links it (Kiln::compiler,
// compiler/capi/compile.cpp); null otherwise: compiles a wasm binary into
// the bytes of a shared object, or only validates it.
__attribute__((weak)) bool compileToSharedObject(const uint8_t* bytes, size_t size, std::string* so,
                                                 std::string* error);
__attribute__((weak)) bool validateBinary(const uint8_t* bytes, size_t size, std::string* error);

// Loads a Kiln shared object from its bytes; nullptr with *error.
std::shared_ptr<Image> loadImage(std::string bytes, std::string* error);
// wasm_module_serialize's format (a checked header, then the shared object).
std::string serialize(const Image& image);
std::shared_ptr<Image> deserialize(const char* data, size_t size, std::string* error);

struct ExternBox;

}  // namespace kiln::capi

struct wasm_config_t {
  kiln::StoreConfig store;
};

struct wasm_engine_t {
  kiln::StoreConfig store;
};

struct wasm_store_t {
  explicit wasm_store_t(const kiln::StoreConfig& config) : store(config) {}
  // Modules instantiated here: their code must outlive the store's objects
  // (declared first, so destroyed last).
  std::vector<std::shared_ptr<kiln::capi::Image>> images;
  kiln::Store store;
  // Host info of the store's objects, by identity.
  std::unordered_map<const void*, kiln::capi::HostInfo> hostInfos;
  // What externref values point to, by the identity of the reference.
  std::unordered_map<const void*, std::unique_ptr<kiln::capi::ExternBox>> externBoxes;
  // Foreign objects (wasm_foreign_new): identities only.
  std::vector<std::unique_ptr<char>> foreigns;
};

// A handle. kind says which subclass it is.
struct wasm_ref_t {
  enum class Kind { Func, Global, Table, Memory, Instance, Foreign, Trap, Module };
  wasm_ref_t(Kind k, wasm_store_t* s) : kind(k), store(s) {}
  virtual ~wasm_ref_t() = default;
  virtual wasm_ref_t* clone() const = 0;
  virtual const void* identity() const = 0;
  // Where this object's host info lives.
  virtual kiln::capi::HostInfo* hostInfo();
  Kind kind;
  wasm_store_t* store;
};

struct wasm_extern_t : wasm_ref_t {
  wasm_extern_t(Kind k, wasm_store_t* s) : wasm_ref_t(k, s) {}
  wasm_externkind_t externKind() const;
  // What the runtime links an import to.
  kiln::Extern toExtern() const;
};

struct wasm_func_t : wasm_extern_t {
  wasm_func_t(wasm_store_t* s, kiln_func* f) : wasm_extern_t(Kind::Func, s), func(f) {}
  wasm_ref_t* clone() const override { return new wasm_func_t(store, func); }
  const void* identity() const override { return func; }
  kiln_func* func;
};

struct wasm_global_t : wasm_extern_t {
  wasm_global_t(wasm_store_t* s, kiln_val* c, uint8_t t, bool m)
      : wasm_extern_t(Kind::Global, s), cell(c), type(t), isMutable(m) {}
  wasm_ref_t* clone() const override { return new wasm_global_t(store, cell, type, isMutable); }
  const void* identity() const override { return cell; }
  kiln_val* cell;
  uint8_t type;  // kiln_valtype
  bool isMutable;
};

struct wasm_table_t : wasm_extern_t {
  wasm_table_t(wasm_store_t* s, kiln_table* t) : wasm_extern_t(Kind::Table, s), table(t) {}
  wasm_ref_t* clone() const override { return new wasm_table_t(store, table); }
  const void* identity() const override { return table; }
  kiln_table* table;
};

struct wasm_memory_t : wasm_extern_t {
  wasm_memory_t(wasm_store_t* s, kiln_memory* m) : wasm_extern_t(Kind::Memory, s), memory(m) {}
  wasm_ref_t* clone() const override { return new wasm_memory_t(store, memory); }
  const void* identity() const override { return memory; }
  kiln_memory* memory;
};

struct wasm_instance_t : wasm_ref_t {
  wasm_instance_t(wasm_store_t* s, kiln::Instance* i) : wasm_ref_t(Kind::Instance, s), instance(i) {}
  wasm_ref_t* clone() const override { return new wasm_instance_t(store, instance); }
  const void* identity() const override { return instance; }
  kiln::Instance* instance;
};

struct wasm_foreign_t : wasm_ref_t {
  wasm_foreign_t(wasm_store_t* s, const void* id) : wasm_ref_t(Kind::Foreign, s), id_(id) {}
  wasm_ref_t* clone() const override { return new wasm_foreign_t(store, id_); }
  const void* identity() const override { return id_; }
  const void* id_;
};

struct wasm_frame_t {
  uint32_t funcIndex = 0;
  size_t funcOffset = 0;
  size_t moduleOffset = 0;
};

namespace kiln::capi {
struct TrapData {
  std::string message;  // without the terminating NUL
  kiln_trap_code code = KILN_TRAP_NONE;
  bool exited = false;
  int exitStatus = 0;
  std::vector<wasm_frame_t> frames;
  HostInfo hostInfo;
  ~TrapData() { hostInfo.finalize(); }
};
}  // namespace kiln::capi

struct wasm_trap_t : wasm_ref_t {
  wasm_trap_t(wasm_store_t* s, std::shared_ptr<kiln::capi::TrapData> d) : wasm_ref_t(Kind::Trap, s), data(std::move(d)) {}
  wasm_ref_t* clone() const override { return new wasm_trap_t(store, data); }
  const void* identity() const override { return data.get(); }
  kiln::capi::HostInfo* hostInfo() override { return &data->hostInfo; }
  std::shared_ptr<kiln::capi::TrapData> data;
};

struct wasm_module_t : wasm_ref_t {
  wasm_module_t(wasm_store_t* s, std::shared_ptr<kiln::capi::Image> i) : wasm_ref_t(Kind::Module, s), image(std::move(i)) {}
  wasm_ref_t* clone() const override { return new wasm_module_t(store, image); }
  const void* identity() const override { return image.get(); }
  kiln::capi::HostInfo* hostInfo() override { return &image->hostInfo; }
  std::shared_ptr<kiln::capi::Image> image;
};

struct wasm_shared_module_t {
  std::shared_ptr<kiln::capi::Image> image;
};

namespace kiln::capi {

// An externref value: the guest holds a pointer to this box, one per
// identity, so that the same reference comes back as the same value.
struct ExternBox {
  std::unique_ptr<wasm_ref_t> ref;
};

// A trap for the C API from a runtime trap or a message.
wasm_trap_t* makeTrap(wasm_store_t* store, const Trap& trap);
wasm_trap_t* makeTrap(wasm_store_t* store, std::string message);

}  // namespace kiln::capi
