// kiln-fuzz-runner: Kiln's side of the differential fuzzer (scripts/fuzz.sh).
//
//   kiln-fuzz-runner [--modes O0g,O2g,...] A.wasm [B.wasm ...]
//
// For every module and every mode (optimisation level 0-3, `g` guard pages
// or `e` explicit bounds checks) it compiles the module in-process (the C
// API's compiler, with the mode's options), loads it through the C API into
// a fresh store, and runs the protocol that
// node_runner.js runs in V8:
//
//   for each exported function, in export order:
//     call hangLimitInitializer (binaryen's loop budget) when exported;
//     call the function with zero arguments;
//     print the `fuzzing-support` log calls it made, its results or its
//     trap kind, and an FNV-1a hash of the exported memory.
//
// The transcript of mode M goes to A.wasm.M.out; A.wasm.sigs lists the
// exports' signatures for node_runner.js. A module that cannot be run at
// all (an import other than fuzzing-support's log functions) gets a
// transcript of one `skip` line, the same in every engine. Exit status: 0,
// or 2 on a usage or compilation error (a valid module must compile).
#include <wasm.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "capi/compile.h"
#include "driver/files.h"
#include "kiln/kiln.h"

namespace {

struct Mode {
  std::string name;  // O2g
  int optLevel;
  bool explicitChecks;
};

std::string hex(uint64_t v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

// One value as both runners print it: integers signed decimal, floats by
// their bits, every NaN as `nan` (the spec leaves NaN bits open).
std::string format(const wasm_val_t& v) {
  switch (v.kind) {
    case WASM_I32: return "i32:" + std::to_string(v.of.i32);
    case WASM_I64: return "i64:" + std::to_string(v.of.i64);
    case WASM_F32: {
      if (std::isnan(v.of.f32)) return "f32:nan";
      uint32_t bits;
      std::memcpy(&bits, &v.of.f32, 4);
      return "f32:" + hex(bits, 8);
    }
    case WASM_F64: {
      if (std::isnan(v.of.f64)) return "f64:nan";
      uint64_t bits;
      std::memcpy(&bits, &v.of.f64, 8);
      return "f64:" + hex(bits, 16);
    }
    default: return "ref";
  }
}

char kindLetter(wasm_valkind_t kind) {
  switch (kind) {
    case WASM_I32: return 'i';
    case WASM_I64: return 'I';
    case WASM_F32: return 'f';
    case WASM_F64: return 'F';
    default: return '?';  // references and v128: not callable from JS
  }
}

std::string signature(const wasm_functype_t* type) {
  std::string s;
  const wasm_valtype_vec_t* params = wasm_functype_params(type);
  for (size_t i = 0; i < params->size; ++i) s += kindLetter(wasm_valtype_kind(params->data[i]));
  s += ':';
  const wasm_valtype_vec_t* results = wasm_functype_results(type);
  for (size_t i = 0; i < results->size; ++i) s += kindLetter(wasm_valtype_kind(results->data[i]));
  return s;
}

// Trap kinds, merged where V8 does not tell them apart.
std::string trapKind(const wasm_trap_t* trap) {
  std::string kind = kiln_trap_kind(trap);
  if (kind == "undefined_element" || kind == "table_out_of_bounds") return "table_bounds";
  if (kind == "indirect_call_null" || kind == "indirect_call_type_mismatch") return "indirect";
  return kind;
}

uint32_t fnv1a(const uint8_t* data, size_t size) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 16777619u;
  return h;
}

wasm_trap_t* logCallback(void* env, const wasm_val_vec_t* args, wasm_val_vec_t*) {
  auto* out = static_cast<std::string*>(env);
  *out += "log";
  for (size_t i = 0; i < args->size; ++i) {
    *out += ' ';
    *out += format(args->data[i]);
  }
  *out += "\n";
  return nullptr;
}

template <typename Vec, typename Delete>
struct Owned {
  Vec vec{};
  Delete del;
  ~Owned() { del(&vec); }
};

std::string runModule(wasm_engine_t* engine, const std::string& so, const std::string& modeName, std::string* sigs) {
  std::string out;
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = nullptr;
  wasm_byte_vec_t bytes = {so.size(), const_cast<char*>(so.data())};
  if (kiln_error_t* error = kiln_module_load_bytes(store, &bytes, &module)) {
    std::string message = kiln_error_message(error);
    kiln_error_delete(error);
    wasm_store_delete(store);
    throw std::runtime_error("cannot load the compiled module: " + message);
  }
  Owned<wasm_importtype_vec_t, decltype(&wasm_importtype_vec_delete)> imports{{}, wasm_importtype_vec_delete};
  wasm_module_imports(module, &imports.vec);
  std::vector<wasm_extern_t*> externs;
  std::vector<wasm_func_t*> funcs;
  bool runnable = true;
  for (size_t i = 0; i < imports.vec.size && runnable; ++i) {
    const wasm_name_t* mod = wasm_importtype_module(imports.vec.data[i]);
    const wasm_name_t* name = wasm_importtype_name(imports.vec.data[i]);
    const wasm_externtype_t* type = wasm_importtype_type(imports.vec.data[i]);
    std::string modName(mod->data, mod->size), fieldName(name->data, name->size);
    const wasm_functype_t* ftype = wasm_externtype_as_functype_const(type);
    if (modName != "fuzzing-support" || fieldName.rfind("log-", 0) != 0 || !ftype || signature(ftype).find('?') != std::string::npos) {
      out = "skip import " + modName + "." + fieldName + "\n";
      runnable = false;
      break;
    }
    wasm_func_t* f = wasm_func_new_with_env(store, ftype, logCallback, &out, nullptr);
    funcs.push_back(f);
    externs.push_back(wasm_func_as_extern(f));
  }
  if (runnable) {
    wasm_extern_vec_t importVec = {externs.size(), externs.data()};
    wasm_trap_t* trap = nullptr;
    wasm_instance_t* instance = wasm_instance_new(store, module, &importVec, &trap);
    if (!instance) {
      out += "instantiate trap " + (trap ? trapKind(trap) : std::string("error")) + "\n";
      if (trap) wasm_trap_delete(trap);
    } else {
      Owned<wasm_exporttype_vec_t, decltype(&wasm_exporttype_vec_delete)> exportTypes{{}, wasm_exporttype_vec_delete};
      wasm_module_exports(module, &exportTypes.vec);
      Owned<wasm_extern_vec_t, decltype(&wasm_extern_vec_delete)> exports{{}, wasm_extern_vec_delete};
      wasm_instance_exports(instance, &exports.vec);
      wasm_memory_t* memory = nullptr;
      wasm_func_t* hangLimit = nullptr;
      for (size_t i = 0; i < exports.vec.size; ++i) {
        const wasm_name_t* name = wasm_exporttype_name(exportTypes.vec.data[i]);
        std::string exportName(name->data, name->size);
        if (!memory) memory = wasm_extern_as_memory(exports.vec.data[i]);
        if (exportName == "hangLimitInitializer") hangLimit = wasm_extern_as_func(exports.vec.data[i]);
      }
      for (size_t i = 0; i < exports.vec.size; ++i) {
        wasm_func_t* func = wasm_extern_as_func(exports.vec.data[i]);
        const wasm_name_t* name = wasm_exporttype_name(exportTypes.vec.data[i]);
        std::string exportName(name->data, name->size);
        if (!func || func == hangLimit) continue;
        wasm_functype_t* type = wasm_func_type(func);
        std::string sig = signature(type);
        if (sigs) *sigs += exportName + " " + sig + "\n";
        out += "call " + exportName + "\n";
        if (sig.find('?') != std::string::npos) {
          out += "skip signature\n";
          wasm_functype_delete(type);
          continue;
        }
        if (hangLimit) {
          wasm_val_vec_t none = WASM_EMPTY_VEC;
          if (wasm_trap_t* t = wasm_func_call(hangLimit, &none, &none)) wasm_trap_delete(t);
        }
        const wasm_valtype_vec_t* params = wasm_functype_params(type);
        const wasm_valtype_vec_t* results = wasm_functype_results(type);
        std::vector<wasm_val_t> args(params->size), rets(results->size);
        for (size_t p = 0; p < params->size; ++p) {
          args[p].kind = wasm_valtype_kind(params->data[p]);
          std::memset(&args[p].of, 0, sizeof args[p].of);
        }
        wasm_val_vec_t argVec = {args.size(), args.data()}, retVec = {rets.size(), rets.data()};
        // A guest that runs away is stopped (epoch checks are compiled in).
        kiln_store_set_timeout(store, 2'000'000'000ull);
        wasm_trap_t* trap = wasm_func_call(func, &argVec, &retVec);
        kiln_store_clear_timeout(store);
        if (trap) {
          out += "trap " + trapKind(trap) + "\n";
          wasm_trap_delete(trap);
        } else {
          out += "result";
          for (const wasm_val_t& r : rets) {
            out += ' ';
            out += format(r);
          }
          out += "\n";
        }
        // KILN_FUZZ_DUMP=FILE writes the memory after the call named by
        // KILN_FUZZ_DUMP_CALL to FILE.MODE (to find the bytes that differ).
        const char* dump = std::getenv("KILN_FUZZ_DUMP");
        const char* dumpCall = std::getenv("KILN_FUZZ_DUMP_CALL");
        if (memory && dump && dumpCall && exportName == dumpCall) {
          std::ofstream file(std::string(dump) + "." + modeName, std::ios::binary);
          file.write(wasm_memory_data(memory), static_cast<std::streamsize>(wasm_memory_data_size(memory)));
        }
        if (memory) {
          out += "memory " + std::to_string(wasm_memory_data_size(memory)) + " " +
                 hex(fnv1a(reinterpret_cast<const uint8_t*>(wasm_memory_data(memory)), wasm_memory_data_size(memory)), 8) +
                 "\n";
        }
        wasm_functype_delete(type);
      }
      wasm_instance_delete(instance);
    }
  }
  for (wasm_func_t* f : funcs) wasm_func_delete(f);
  wasm_module_delete(module);
  wasm_store_delete(store);
  return out;
}

std::vector<Mode> parseModes(const std::string& list) {
  std::vector<Mode> modes;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.size() != 3 || item[0] != 'O' || item[1] < '0' || item[1] > '3' || (item[2] != 'g' && item[2] != 'e'))
      throw std::runtime_error("bad mode '" + item + "' (expected O0g..O3g or O0e..O3e)");
    modes.push_back({item, item[1] - '0', item[2] == 'e'});
  }
  return modes;
}

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) {
  std::string modeList = "O0g,O1g,O2g,O3g,O0e,O2e,O3e";
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--modes" && i + 1 < argc) {
      modeList = argv[++i];
    } else if (arg == "-h" || arg == "--help") {
      std::printf("usage: kiln-fuzz-runner [--modes O0g,O1g,O2g,O3g,O0e,O2e,O3e] A.wasm [B.wasm ...]\n");
      return 0;
    } else {
      inputs.push_back(arg);
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "kiln-fuzz-runner: no input (see --help)\n");
    return 2;
  }
  try {
    std::vector<Mode> modes = parseModes(modeList);
    wasm_engine_t* engine = wasm_engine_new();
    for (const std::string& input : inputs) {
      const std::vector<uint8_t> wasm = kiln::driver::readFile(input);
      bool firstMode = true;
      for (const Mode& mode : modes) {
        kiln::codegen::Options options;
        options.optLevel = mode.optLevel;
        options.explicitBoundsChecks = mode.explicitChecks;
        std::string so, error;
        if (!kiln::capi::compileToSharedObject(wasm.data(), wasm.size(), options, &so, &error))
          throw std::runtime_error(input + ": " + error);
        // KILN_FUZZ_KEEP=DIR keeps each compiled module as DIR/NAME.MODE.so.
        if (const char* keep = std::getenv("KILN_FUZZ_KEEP"))
          writeFile(std::string(keep) + "/" + input.substr(input.find_last_of('/') + 1) + "." + mode.name + ".so", so);
        std::string sigs;
        writeFile(input + "." + mode.name + ".out", runModule(engine, so, mode.name, firstMode ? &sigs : nullptr));
        if (firstMode) writeFile(input + ".sigs", sigs);
        firstMode = false;
      }
    }
    wasm_engine_delete(engine);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kiln-fuzz-runner: %s\n", e.what());
    return 2;
  }
  return 0;
}
