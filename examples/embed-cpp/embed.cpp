// A server's use of the Kiln runtime, in miniature: load a module compiled
// ahead of time, then serve requests on a pool of threads, each request in a
// store of its own with a memory limit, a stack budget and a timeout. When
// the store goes, everything the request made goes with it. See
// docs/embedding.md, which walks through this file.
//
//   kiln compile --emit=shared examples/embed-cpp/guest.wat -o guest.so
//   kiln-embed-example ./guest.so 1000 4       # 1000 requests on 4 threads
#include <dlfcn.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "kiln/kiln.hpp"

namespace {

// A host function the guest imports as env.add_to_total(i32): host functions
// take the calling instance's vmctx first, then the wasm parameters. The
// embedder's per-instance state comes back through the `host` pointer given
// to Store::instantiate.
std::atomic<long> gTotal{0};
void addToTotal(kiln_vmctx* vmctx, int32_t amount) {
  auto* requestTotal = static_cast<long*>(vmctx->host);
  *requestTotal += amount;
  gTotal += amount;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODULE.so [REQUESTS] [THREADS]\n", argv[0]);
    return 2;
  }
  // 1. Load the compiled module once; its descriptor is all the runtime needs.
  void* library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    std::fprintf(stderr, "embed: %s\n", dlerror());
    return 1;
  }
  const auto* module = static_cast<const kiln_module_desc*>(dlsym(library, KILN_MODULE_SYMBOL));
  if (!module) {
    std::fprintf(stderr, "embed: %s has no %s: compile it with kiln compile --emit=shared\n", argv[1],
                 KILN_MODULE_SYMBOL);
    return 1;
  }
  const int requests = argc > 2 ? std::atoi(argv[2]) : 100;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 4;

  // 2. Imports are resolved by name; host functions are bound per instance.
  kiln::ImportResolver imports;
  imports.hostFunc = [](std::string_view module, std::string_view name) -> std::optional<kiln::HostFunc> {
    if (module != "env" || name != "add_to_total") return std::nullopt;
    kiln::HostFunc f;
    f.code = reinterpret_cast<void*>(&addToTotal);
    f.params = {KILN_I32};
    return f;
  };

  std::atomic<int> next{0}, ok{0}, interrupted{0}, trapped{0}, failed{0};
  auto serve = [&] {
    for (int request; (request = next++) < requests;) {
      // 3. One store per request, with limits for an untrusted guest.
      kiln::StoreConfig config;
      config.limits.maxMemoryBytes = 16 << 20;
      config.limits.maxStackBytes = 256 << 10;
      config.requireInterruptible = true;  // refuse code a timeout could not stop
      kiln::Store store(config);
      store.setTimeout(std::chrono::milliseconds(100));

      long requestTotal = 0;
      kiln::InstantiateError error;
      kiln::Instance* instance = store.instantiate(module, imports, &error, &requestTotal);
      if (!instance) {
        std::fprintf(stderr, "embed: request %d: %s\n", request, error.message.c_str());
        ++failed;
        continue;
      }
      std::optional<kiln::Extern> handle = instance->exportNamed("handle");
      if (!handle || handle->kind != KILN_EXTERN_FUNC) {
        ++failed;
        continue;
      }
      // 4. Call: arguments in, results out, in the same array.
      kiln_val args[1];
      args[0].i64 = 0;
      args[0].i32 = static_cast<uint32_t>(request);
      std::optional<kiln::Trap> trap = store.call(handle->func, args);
      if (!trap)
        ++ok;
      else if (trap->code == KILN_TRAP_INTERRUPTED)
        ++interrupted;
      else
        ++trapped;
      // 5. Leaving the scope drops the store: instance, memory, everything.
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(serve);
  for (std::thread& t : pool) t.join();
  std::printf("%d requests: %d ok, %d interrupted, %d trapped, %d failed; total %ld\n", requests, ok.load(),
              interrupted.load(), trapped.load(), failed.load(), gTotal.load());
  return failed.load() == 0 ? 0 : 1;
}
