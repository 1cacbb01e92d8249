// The pure-data part of the standard WebAssembly C API (include/wasm.h): vectors, values, and the type objects
// (value, function, global, table, memory, tag and extern types, import and export types). Nothing here touches a
// runtime object; where a vector or a value holds one (frames, externs, references) it is copied and released only
// through the public functions of wasm.h, which runtime/capi/capi_objects.cpp defines.
//
// Memory: objects come from `new (std::nothrow)` and vector arrays from calloc, so an allocation failure never
// throws through the C callers; it yields NULL (or an empty vector) instead.

#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>

#include "wasm.h"

// ---------------------------------------------------------------------------------------------------------------
// Representation of the type objects.
//
// The standard lets a function, global, table, memory or tag type be viewed as an extern type and back, always as
// the same object (the conversions are borrowed casts, and wasm_externtype_delete must free whichever kind it is
// given). So the five kinds derive from one base holding the kind, the conversions are static casts checked against
// that kind, and deletion through the base dispatches on the kind. The base destructor is protected so nothing can
// `delete` an extern type without going through that dispatch.

struct wasm_valtype_t {
  wasm_valkind_t kind;
};

struct wasm_externtype_t {
  const wasm_externkind_t kind;

 protected:
  explicit wasm_externtype_t(wasm_externkind_t k) : kind(k) {}
  ~wasm_externtype_t() = default;
};

struct wasm_functype_t : wasm_externtype_t {
  static constexpr wasm_externkind_t kKind = WASM_EXTERN_FUNC;
  wasm_valtype_vec_t params;   // owned
  wasm_valtype_vec_t results;  // owned

  wasm_functype_t(wasm_valtype_vec_t p, wasm_valtype_vec_t r) : wasm_externtype_t(kKind), params(p), results(r) {}
  ~wasm_functype_t() {
    wasm_valtype_vec_delete(&params);
    wasm_valtype_vec_delete(&results);
  }
  wasm_functype_t(const wasm_functype_t&) = delete;
  wasm_functype_t& operator=(const wasm_functype_t&) = delete;
};

struct wasm_globaltype_t : wasm_externtype_t {
  static constexpr wasm_externkind_t kKind = WASM_EXTERN_GLOBAL;
  wasm_valtype_t* content;  // owned, never null
  wasm_mutability_t mutability;

  wasm_globaltype_t(wasm_valtype_t* c, wasm_mutability_t m) : wasm_externtype_t(kKind), content(c), mutability(m) {}
  ~wasm_globaltype_t() { wasm_valtype_delete(content); }
  wasm_globaltype_t(const wasm_globaltype_t&) = delete;
  wasm_globaltype_t& operator=(const wasm_globaltype_t&) = delete;
};

struct wasm_tabletype_t : wasm_externtype_t {
  static constexpr wasm_externkind_t kKind = WASM_EXTERN_TABLE;
  wasm_valtype_t* element;  // owned, never null
  wasm_limits_t limits;

  wasm_tabletype_t(wasm_valtype_t* e, wasm_limits_t l) : wasm_externtype_t(kKind), element(e), limits(l) {}
  ~wasm_tabletype_t() { wasm_valtype_delete(element); }
  wasm_tabletype_t(const wasm_tabletype_t&) = delete;
  wasm_tabletype_t& operator=(const wasm_tabletype_t&) = delete;
};

struct wasm_memorytype_t : wasm_externtype_t {
  static constexpr wasm_externkind_t kKind = WASM_EXTERN_MEMORY;
  wasm_limits_t limits;

  explicit wasm_memorytype_t(wasm_limits_t l) : wasm_externtype_t(kKind), limits(l) {}
};

struct wasm_tagtype_t : wasm_externtype_t {
  static constexpr wasm_externkind_t kKind = WASM_EXTERN_TAG;
  wasm_functype_t* functype;  // owned, never null

  explicit wasm_tagtype_t(wasm_functype_t* f) : wasm_externtype_t(kKind), functype(f) {}
  ~wasm_tagtype_t() { wasm_functype_delete(functype); }
  wasm_tagtype_t(const wasm_tagtype_t&) = delete;
  wasm_tagtype_t& operator=(const wasm_tagtype_t&) = delete;
};

struct wasm_importtype_t {
  wasm_name_t module;       // owned
  wasm_name_t name;         // owned
  wasm_externtype_t* type;  // owned, never null

  ~wasm_importtype_t() {
    wasm_name_delete(&module);
    wasm_name_delete(&name);
    wasm_externtype_delete(type);
  }
};

struct wasm_exporttype_t {
  wasm_name_t name;         // owned
  wasm_externtype_t* type;  // owned, never null

  ~wasm_exporttype_t() {
    wasm_name_delete(&name);
    wasm_externtype_delete(type);
  }
};

namespace {

// ---------------------------------------------------------------------------------------------------------------
// Vectors. Every wasm_xxx_vec_t is {size, data}; the helpers are generic over the vector type, and an element
// policy says how one element is deep-copied and released.

template <typename Vec>
using ElemOf = std::remove_pointer_t<decltype(Vec::data)>;

template <typename Vec>
void setEmpty(Vec* v) {
  v->size = 0;
  v->data = nullptr;
}

// Takes the contents of `*v`, leaving it empty: how `own wasm_xxx_vec_t*` arguments are moved into an object, so a
// caller that deletes its (now empty) vector anyway does no harm. A null `v` reads as empty.
template <typename Vec>
Vec take(Vec* v) {
  Vec taken{0, nullptr};
  if (v) {
    taken = *v;
    setEmpty(v);
  }
  return taken;
}

// Allocates `size` elements, zeroed: a vector of owned elements deleted before all its slots were stored (an
// "uninitialized" vector, or a copy that failed half-way) then releases only what is there, since a null pointer
// or an i32 value owns nothing. On failure `*out` is empty.
template <typename Vec>
bool allocate(Vec* out, size_t size) {
  static_assert(std::is_trivially_copyable_v<ElemOf<Vec>>, "vector elements are moved with memcpy");
  setEmpty(out);
  if (size == 0) return true;
  void* data = std::calloc(size, sizeof(ElemOf<Vec>));
  if (!data) return false;
  out->data = static_cast<ElemOf<Vec>*>(data);
  out->size = size;
  return true;
}

// wasm_xxx_vec_new: takes ownership of the elements, copies the array holding them.
template <typename Vec>
void vecNew(Vec* out, size_t size, const ElemOf<Vec>* elems) {
  if (allocate(out, size) && size != 0 && elems) std::memcpy(out->data, elems, size * sizeof(ElemOf<Vec>));
}

template <typename Policy, typename Vec>
void vecDelete(Vec* v) {
  if (!v) return;
  if constexpr (!Policy::kTrivial) {
    for (size_t i = 0; i < v->size; ++i) Policy::release(v->data[i]);
  }
  std::free(v->data);
  setEmpty(v);
}

// wasm_xxx_vec_copy: a deep copy. If any element cannot be copied the partial copy is released and `*out` is
// empty, rather than handing out a vector with silently missing elements.
template <typename Policy, typename Vec>
void vecCopy(Vec* out, const Vec* src) {
  const Vec in = src ? *src : Vec{0, nullptr};  // read before writing `*out`, in case they alias
  if (!allocate(out, in.size)) return;
  if constexpr (Policy::kTrivial) {
    if (in.size != 0) std::memcpy(out->data, in.data, in.size * sizeof(ElemOf<Vec>));
  } else {
    for (size_t i = 0; i < in.size; ++i) {
      if (!Policy::copy(in.data[i], out->data[i])) {
        vecDelete<Policy>(out);
        return;
      }
    }
  }
}

// Bytes own nothing.
struct BytePolicy {
  static constexpr bool kTrivial = true;
};

// Pointers to owned objects, copied and released by the object's own functions; null elements are allowed and
// stay null.
template <typename T, T* (*Copy)(const T*), void (*Delete)(T*)>
struct OwnedPtrPolicy {
  static constexpr bool kTrivial = false;
  static bool copy(T* const& from, T*& to) {
    to = from ? Copy(from) : nullptr;
    return to || !from;
  }
  static void release(T*& elem) {
    if (elem) Delete(elem);
  }
};

// Values own their reference, if any.
struct ValPolicy {
  static constexpr bool kTrivial = false;
  static bool copy(const wasm_val_t& from, wasm_val_t& to) {
    wasm_val_copy(&to, &from);
    return !(wasm_valkind_is_ref(from.kind) && from.of.ref && !to.of.ref);
  }
  static void release(wasm_val_t& elem) { wasm_val_delete(&elem); }
};

template <typename T>
void deleteObject(T* object) {
  delete object;  // each type's destructor releases what it owns; deleting null is a no-op
}

// Checked view of an extern type as one of its kinds.
template <typename T, typename Base>
auto downcast(Base* t) {
  using Result = std::conditional_t<std::is_const_v<Base>, const T*, T*>;
  return t && t->kind == T::kKind ? static_cast<Result>(t) : nullptr;
}

bool isKnownValkind(wasm_valkind_t kind) {
  switch (kind) {
    case WASM_I32:
    case WASM_I64:
    case WASM_F32:
    case WASM_F64:
    case WASM_EXTERNREF:
    case WASM_FUNCREF:
      return true;
    default:
      return false;
  }
}

}  // namespace

// Defines the five functions of wasm_<name>_vec_t; the element policy is the variadic tail, so that template
// arguments with commas pass through the macro.
#define KILN_CAPI_DEFINE_VEC(name, ...)                                                                     \
  void wasm_##name##_vec_new_empty(wasm_##name##_vec_t* out) { setEmpty(out); }                             \
  void wasm_##name##_vec_new_uninitialized(wasm_##name##_vec_t* out, size_t size) { allocate(out, size); } \
  void wasm_##name##_vec_new(wasm_##name##_vec_t* out, size_t size,                                         \
                             ElemOf<wasm_##name##_vec_t> const elems[]) {                                   \
    vecNew(out, size, elems);                                                                               \
  }                                                                                                         \
  void wasm_##name##_vec_copy(wasm_##name##_vec_t* out, const wasm_##name##_vec_t* src) {                  \
    vecCopy<__VA_ARGS__>(out, src);                                                                         \
  }                                                                                                         \
  void wasm_##name##_vec_delete(wasm_##name##_vec_t* v) { vecDelete<__VA_ARGS__>(v); }

// A vector of pointers to objects released by wasm_<name>_delete and copied by wasm_<name>_copy.
#define KILN_CAPI_DEFINE_PTR_VEC(name) \
  KILN_CAPI_DEFINE_VEC(name, OwnedPtrPolicy<wasm_##name##_t, wasm_##name##_copy, wasm_##name##_delete>)

// The C entry points. The extern "C" block turns a definition whose signature drifted from wasm.h into a compile
// error (conflicting C declarations) instead of a silent C++ overload that leaves the C symbol undefined.
extern "C" {

// ---------------------------------------------------------------------------------------------------------------
// Vectors of every element type wasm.h declares. Frames and externs are runtime objects: their copy and delete
// are in capi_objects.cpp.

KILN_CAPI_DEFINE_VEC(byte, BytePolicy)
KILN_CAPI_DEFINE_VEC(val, ValPolicy)
KILN_CAPI_DEFINE_PTR_VEC(valtype)
KILN_CAPI_DEFINE_PTR_VEC(functype)
KILN_CAPI_DEFINE_PTR_VEC(globaltype)
KILN_CAPI_DEFINE_PTR_VEC(tabletype)
KILN_CAPI_DEFINE_PTR_VEC(memorytype)
KILN_CAPI_DEFINE_PTR_VEC(tagtype)
KILN_CAPI_DEFINE_PTR_VEC(externtype)
KILN_CAPI_DEFINE_PTR_VEC(importtype)
KILN_CAPI_DEFINE_PTR_VEC(exporttype)
KILN_CAPI_DEFINE_PTR_VEC(frame)
KILN_CAPI_DEFINE_PTR_VEC(extern)

// ---------------------------------------------------------------------------------------------------------------
// Values

void wasm_val_delete(wasm_val_t* v) {
  if (v && wasm_valkind_is_ref(v->kind) && v->of.ref) {
    wasm_ref_delete(v->of.ref);
    v->of.ref = nullptr;  // a second delete of the same value is then harmless
  }
}

void wasm_val_copy(wasm_val_t* out, const wasm_val_t* v) {
  wasm_val_t copy = *v;
  if (wasm_valkind_is_ref(copy.kind) && copy.of.ref) copy.of.ref = wasm_ref_copy(copy.of.ref);
  *out = copy;
}

// ---------------------------------------------------------------------------------------------------------------
// Value types

wasm_valtype_t* wasm_valtype_new(wasm_valkind_t kind) {
  if (!isKnownValkind(kind)) return nullptr;
  return new (std::nothrow) wasm_valtype_t{kind};
}

wasm_valtype_t* wasm_valtype_copy(const wasm_valtype_t* t) {
  return t ? wasm_valtype_new(t->kind) : nullptr;
}

void wasm_valtype_delete(wasm_valtype_t* t) {
  deleteObject(t);
}

wasm_valkind_t wasm_valtype_kind(const wasm_valtype_t* t) {
  return t->kind;
}

// ---------------------------------------------------------------------------------------------------------------
// Function types

wasm_functype_t* wasm_functype_new(wasm_valtype_vec_t* params, wasm_valtype_vec_t* results) {
  wasm_valtype_vec_t p = take(params);
  wasm_valtype_vec_t r = take(results);
  auto* t = new (std::nothrow) wasm_functype_t(p, r);
  if (!t) {  // we own the vectors now, so release them
    wasm_valtype_vec_delete(&p);
    wasm_valtype_vec_delete(&r);
  }
  return t;
}

wasm_functype_t* wasm_functype_copy(const wasm_functype_t* t) {
  if (!t) return nullptr;
  wasm_valtype_vec_t p, r;
  wasm_valtype_vec_copy(&p, &t->params);
  wasm_valtype_vec_copy(&r, &t->results);
  if (p.size != t->params.size || r.size != t->results.size) {  // a copy failed (it is then empty)
    wasm_valtype_vec_delete(&p);
    wasm_valtype_vec_delete(&r);
    return nullptr;
  }
  return wasm_functype_new(&p, &r);
}

void wasm_functype_delete(wasm_functype_t* t) {
  deleteObject(t);
}

const wasm_valtype_vec_t* wasm_functype_params(const wasm_functype_t* t) {
  return &t->params;
}

const wasm_valtype_vec_t* wasm_functype_results(const wasm_functype_t* t) {
  return &t->results;
}

// ---------------------------------------------------------------------------------------------------------------
// Global types

wasm_globaltype_t* wasm_globaltype_new(wasm_valtype_t* content, wasm_mutability_t mutability) {
  wasm_globaltype_t* t = nullptr;
  if (content && (mutability == WASM_CONST || mutability == WASM_VAR))
    t = new (std::nothrow) wasm_globaltype_t(content, mutability);
  if (!t) wasm_valtype_delete(content);  // ownership was passed in even when we fail
  return t;
}

wasm_globaltype_t* wasm_globaltype_copy(const wasm_globaltype_t* t) {
  if (!t) return nullptr;
  wasm_valtype_t* content = wasm_valtype_copy(t->content);
  return content ? wasm_globaltype_new(content, t->mutability) : nullptr;
}

void wasm_globaltype_delete(wasm_globaltype_t* t) {
  deleteObject(t);
}

const wasm_valtype_t* wasm_globaltype_content(const wasm_globaltype_t* t) {
  return t->content;
}

wasm_mutability_t wasm_globaltype_mutability(const wasm_globaltype_t* t) {
  return t->mutability;
}

// ---------------------------------------------------------------------------------------------------------------
// Table types. Whether the element type is a reference type and the limits are consistent is checked where a
// table is created or imported, not here: a type object only records what it was given.

wasm_tabletype_t* wasm_tabletype_new(wasm_valtype_t* element, const wasm_limits_t* limits) {
  wasm_tabletype_t* t = nullptr;
  if (element && limits) t = new (std::nothrow) wasm_tabletype_t(element, *limits);
  if (!t) wasm_valtype_delete(element);
  return t;
}

wasm_tabletype_t* wasm_tabletype_copy(const wasm_tabletype_t* t) {
  if (!t) return nullptr;
  wasm_valtype_t* element = wasm_valtype_copy(t->element);
  return element ? wasm_tabletype_new(element, &t->limits) : nullptr;
}

void wasm_tabletype_delete(wasm_tabletype_t* t) {
  deleteObject(t);
}

const wasm_valtype_t* wasm_tabletype_element(const wasm_tabletype_t* t) {
  return t->element;
}

const wasm_limits_t* wasm_tabletype_limits(const wasm_tabletype_t* t) {
  return &t->limits;
}

// ---------------------------------------------------------------------------------------------------------------
// Memory types

wasm_memorytype_t* wasm_memorytype_new(const wasm_limits_t* limits) {
  return limits ? new (std::nothrow) wasm_memorytype_t(*limits) : nullptr;
}

wasm_memorytype_t* wasm_memorytype_copy(const wasm_memorytype_t* t) {
  return t ? wasm_memorytype_new(&t->limits) : nullptr;
}

void wasm_memorytype_delete(wasm_memorytype_t* t) {
  deleteObject(t);
}

const wasm_limits_t* wasm_memorytype_limits(const wasm_memorytype_t* t) {
  return &t->limits;
}

// ---------------------------------------------------------------------------------------------------------------
// Tag types

wasm_tagtype_t* wasm_tagtype_new(wasm_functype_t* functype) {
  wasm_tagtype_t* t = functype ? new (std::nothrow) wasm_tagtype_t(functype) : nullptr;
  if (!t) wasm_functype_delete(functype);
  return t;
}

wasm_tagtype_t* wasm_tagtype_copy(const wasm_tagtype_t* t) {
  if (!t) return nullptr;
  wasm_functype_t* functype = wasm_functype_copy(t->functype);
  return functype ? wasm_tagtype_new(functype) : nullptr;
}

void wasm_tagtype_delete(wasm_tagtype_t* t) {
  deleteObject(t);
}

const wasm_functype_t* wasm_tagtype_functype(const wasm_tagtype_t* t) {
  return t->functype;
}

// ---------------------------------------------------------------------------------------------------------------
// Extern types: one object, several views (see the representation above).

wasm_externkind_t wasm_externtype_kind(const wasm_externtype_t* t) {
  return t->kind;
}

wasm_externtype_t* wasm_externtype_copy(const wasm_externtype_t* t) {
  if (!t) return nullptr;
  switch (t->kind) {
    case WASM_EXTERN_FUNC:
      return wasm_functype_copy(static_cast<const wasm_functype_t*>(t));
    case WASM_EXTERN_GLOBAL:
      return wasm_globaltype_copy(static_cast<const wasm_globaltype_t*>(t));
    case WASM_EXTERN_TABLE:
      return wasm_tabletype_copy(static_cast<const wasm_tabletype_t*>(t));
    case WASM_EXTERN_MEMORY:
      return wasm_memorytype_copy(static_cast<const wasm_memorytype_t*>(t));
    case WASM_EXTERN_TAG:
      return wasm_tagtype_copy(static_cast<const wasm_tagtype_t*>(t));
  }
  return nullptr;  // no other kind is ever constructed
}

void wasm_externtype_delete(wasm_externtype_t* t) {
  if (!t) return;
  switch (t->kind) {
    case WASM_EXTERN_FUNC:
      return wasm_functype_delete(static_cast<wasm_functype_t*>(t));
    case WASM_EXTERN_GLOBAL:
      return wasm_globaltype_delete(static_cast<wasm_globaltype_t*>(t));
    case WASM_EXTERN_TABLE:
      return wasm_tabletype_delete(static_cast<wasm_tabletype_t*>(t));
    case WASM_EXTERN_MEMORY:
      return wasm_memorytype_delete(static_cast<wasm_memorytype_t*>(t));
    case WASM_EXTERN_TAG:
      return wasm_tagtype_delete(static_cast<wasm_tagtype_t*>(t));
  }
}

// Up-casts always succeed (null stays null); down-casts return null when the kind differs.
#define KILN_CAPI_DEFINE_EXTERNTYPE_VIEWS(name)                                                          \
  wasm_externtype_t* wasm_##name##_as_externtype(wasm_##name##_t* t) { return t; }                       \
  const wasm_externtype_t* wasm_##name##_as_externtype_const(const wasm_##name##_t* t) { return t; }    \
  wasm_##name##_t* wasm_externtype_as_##name(wasm_externtype_t* t) { return downcast<wasm_##name##_t>(t); } \
  const wasm_##name##_t* wasm_externtype_as_##name##_const(const wasm_externtype_t* t) {                \
    return downcast<wasm_##name##_t>(t);                                                                 \
  }

KILN_CAPI_DEFINE_EXTERNTYPE_VIEWS(functype)
KILN_CAPI_DEFINE_EXTERNTYPE_VIEWS(globaltype)
KILN_CAPI_DEFINE_EXTERNTYPE_VIEWS(tabletype)
KILN_CAPI_DEFINE_EXTERNTYPE_VIEWS(memorytype)
KILN_CAPI_DEFINE_EXTERNTYPE_VIEWS(tagtype)

#undef KILN_CAPI_DEFINE_EXTERNTYPE_VIEWS

// ---------------------------------------------------------------------------------------------------------------
// Import types. The names are moved in like functype's vectors; a null name reads as the empty name.

wasm_importtype_t* wasm_importtype_new(wasm_name_t* module, wasm_name_t* name, wasm_externtype_t* type) {
  wasm_name_t m = take(module);
  wasm_name_t n = take(name);
  wasm_importtype_t* t = type ? new (std::nothrow) wasm_importtype_t{m, n, type} : nullptr;
  if (!t) {
    wasm_name_delete(&m);
    wasm_name_delete(&n);
    wasm_externtype_delete(type);
  }
  return t;
}

wasm_importtype_t* wasm_importtype_copy(const wasm_importtype_t* t) {
  if (!t) return nullptr;
  wasm_name_t m, n;
  wasm_name_copy(&m, &t->module);
  wasm_name_copy(&n, &t->name);
  wasm_externtype_t* type = wasm_externtype_copy(t->type);
  if (m.size != t->module.size || n.size != t->name.size || !type) {
    wasm_name_delete(&m);
    wasm_name_delete(&n);
    wasm_externtype_delete(type);
    return nullptr;
  }
  return wasm_importtype_new(&m, &n, type);
}

void wasm_importtype_delete(wasm_importtype_t* t) {
  deleteObject(t);
}

const wasm_name_t* wasm_importtype_module(const wasm_importtype_t* t) {
  return &t->module;
}

const wasm_name_t* wasm_importtype_name(const wasm_importtype_t* t) {
  return &t->name;
}

const wasm_externtype_t* wasm_importtype_type(const wasm_importtype_t* t) {
  return t->type;
}

// ---------------------------------------------------------------------------------------------------------------
// Export types

wasm_exporttype_t* wasm_exporttype_new(wasm_name_t* name, wasm_externtype_t* type) {
  wasm_name_t n = take(name);
  wasm_exporttype_t* t = type ? new (std::nothrow) wasm_exporttype_t{n, type} : nullptr;
  if (!t) {
    wasm_name_delete(&n);
    wasm_externtype_delete(type);
  }
  return t;
}

wasm_exporttype_t* wasm_exporttype_copy(const wasm_exporttype_t* t) {
  if (!t) return nullptr;
  wasm_name_t n;
  wasm_name_copy(&n, &t->name);
  wasm_externtype_t* type = wasm_externtype_copy(t->type);
  if (n.size != t->name.size || !type) {
    wasm_name_delete(&n);
    wasm_externtype_delete(type);
    return nullptr;
  }
  return wasm_exporttype_new(&n, type);
}

void wasm_exporttype_delete(wasm_exporttype_t* t) {
  deleteObject(t);
}

const wasm_name_t* wasm_exporttype_name(const wasm_exporttype_t* t) {
  return &t->name;
}

const wasm_externtype_t* wasm_exporttype_type(const wasm_exporttype_t* t) {
  return t->type;
}

}  // extern "C"
