#include "spec-tests/spectest_host.h"

#include <cstring>

namespace kiln::spec {

namespace {

// The print functions do nothing: the scripts only check that they link
// and can be called.
extern "C" {
void spectest_print(kiln_vmctx*) {}
void spectest_print_i32(kiln_vmctx*, int32_t) {}
void spectest_print_i64(kiln_vmctx*, int64_t) {}
void spectest_print_f32(kiln_vmctx*, float) {}
void spectest_print_f64(kiln_vmctx*, double) {}
void spectest_print_i32_f32(kiln_vmctx*, int32_t, float) {}
void spectest_print_f64_f64(kiln_vmctx*, double, double) {}
}

kiln_val bitsValue(uint64_t bits) {
  kiln_val v;
  std::memset(&v, 0, sizeof v);
  v.i64 = bits;
  return v;
}

}  // namespace

SpectestHost::SpectestHost(Store& store) {
  table_ = store.table(KILN_FUNCREF, 10, 20);
  memory_ = store.memory(1, 2);
  float f32 = 666.6f;
  double f64 = 666.6;
  uint32_t f32bits;
  uint64_t f64bits;
  std::memcpy(&f32bits, &f32, 4);
  std::memcpy(&f64bits, &f64, 8);
  globalI32_ = store.global(KILN_I32, false, bitsValue(666));
  globalI64_ = store.global(KILN_I64, false, bitsValue(666));
  globalF32_ = store.global(KILN_F32, false, bitsValue(f32bits));
  globalF64_ = store.global(KILN_F64, false, bitsValue(f64bits));
}

std::optional<HostFunc> SpectestHost::func(std::string_view name) const {
  auto host = [](auto* fn, std::vector<uint8_t> params) {
    HostFunc f;
    f.code = reinterpret_cast<void*>(fn);
    f.params = std::move(params);
    return f;
  };
  if (name == "print") return host(spectest_print, {});
  if (name == "print_i32") return host(spectest_print_i32, {KILN_I32});
  if (name == "print_i64") return host(spectest_print_i64, {KILN_I64});
  if (name == "print_f32") return host(spectest_print_f32, {KILN_F32});
  if (name == "print_f64") return host(spectest_print_f64, {KILN_F64});
  if (name == "print_i32_f32") return host(spectest_print_i32_f32, {KILN_I32, KILN_F32});
  if (name == "print_f64_f64") return host(spectest_print_f64_f64, {KILN_F64, KILN_F64});
  return std::nullopt;
}

std::optional<Extern> SpectestHost::external(std::string_view name) const {
  if (name == "table") return table_;
  if (name == "memory") return memory_;
  if (name == "global_i32") return globalI32_;
  if (name == "global_i64") return globalI64_;
  if (name == "global_f32") return globalF32_;
  if (name == "global_f64") return globalF64_;
  return std::nullopt;
}

}  // namespace kiln::spec
