// bench/instantiate: what one request costs the runtime, without the
// guest's own work: instantiate a precompiled module in a fresh store, call
// an export, drop the store. Prints the median and 99th percentile latency
// on 1 and 2 threads (and the throughput ratio), and what 1,000 idle live
// instances cost in resident memory and address space. Run by
// scripts/bench-instantiate.sh, which compiles the modules.
//
//   kiln-bench-instantiate MODULE.so EXPORT [ITERATIONS] [--wasi] [--prepared]
//
// --prepared instantiates from a kiln::PreparedModule (interned types, the
// initial memory image mapped copy-on-write); the memory pool is process-wide
// (KILN_MEMORY_POOL=0 turns it off).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kiln/kiln.hpp"

namespace {

struct Module {
  const kiln_module_desc* desc = nullptr;
  std::shared_ptr<const kiln::PreparedModule> prepared;  // null: instantiate from the descriptor
  std::string exportName;
  bool wasi = false;
};

// One request: store, (WASI state), instance, call, drop. False on failure.
bool request(const Module& m) {
  kiln::Store store;
  std::unique_ptr<kiln::WasiState> wasi;
  kiln::ImportResolver resolver;
  if (m.wasi) {
    kiln::WasiOptions options;
    options.args = {"bench"};
    options.stdio = kiln::WasiStdio{};  // input empty, output discarded
    wasi = kiln::makeWasiState(options);
    if (!wasi) return false;
    resolver = kiln::wasiResolver(*wasi);
  }
  kiln::Instance* instance = m.prepared ? store.instantiate(*m.prepared, resolver) : store.instantiate(m.desc, resolver);
  if (!instance) return false;
  std::optional<kiln::Extern> f = instance->exportNamed(m.exportName);
  if (!f || f->kind != KILN_EXTERN_FUNC) return false;
  kiln_val args[4] = {};
  std::optional<kiln::Trap> trap = store.call(f->func, args);
  return !trap || (trap->exitStatus && *trap->exitStatus == 0);
}

struct Latencies {
  std::vector<double> us;  // per request
  double seconds = 0;      // wall time of the whole run
};

Latencies run(const Module& m, int threads, int perThread) {
  std::vector<std::vector<double>> samples(threads);
  std::vector<std::thread> pool;
  bool failed = false;
  auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      samples[t].reserve(perThread);
      for (int i = 0; i < perThread; ++i) {
        auto a = std::chrono::steady_clock::now();
        if (!request(m)) failed = true;
        auto b = std::chrono::steady_clock::now();
        samples[t].push_back(std::chrono::duration<double, std::micro>(b - a).count());
      }
    });
  }
  for (auto& th : pool) th.join();
  Latencies out;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failed) {
    std::fprintf(stderr, "kiln-bench-instantiate: a request failed\n");
    std::exit(1);
  }
  for (auto& s : samples) out.us.insert(out.us.end(), s.begin(), s.end());
  std::sort(out.us.begin(), out.us.end());
  return out;
}

double percentile(const std::vector<double>& sorted, double p) {
  size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[i];
}

// Resident and virtual size of this process, in KiB.
void memory(long* rssKiB, long* vmKiB) {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  long page = sysconf(_SC_PAGESIZE) / 1024;
  *vmKiB = pages * page;
  *rssKiB = resident * page;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODULE.so EXPORT [ITERATIONS] [--wasi]\n", argv[0]);
    return 2;
  }
  Module m;
  m.exportName = argv[2];
  int iterations = 20000;
  bool prepared = false;
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "--wasi") == 0)
      m.wasi = true;
    else if (std::strcmp(argv[i], "--prepared") == 0)
      prepared = true;
    else
      iterations = std::atoi(argv[i]);
  }
  void* handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    std::fprintf(stderr, "kiln-bench-instantiate: %s\n", dlerror());
    return 1;
  }
  m.desc = static_cast<const kiln_module_desc*>(dlsym(handle, KILN_MODULE_SYMBOL));
  if (!m.desc) return 1;
  if (prepared) {
    std::string error;
    m.prepared = kiln::PreparedModule::prepare(m.desc, &error);
    if (!m.prepared) {
      std::fprintf(stderr, "kiln-bench-instantiate: %s\n", error.c_str());
      return 1;
    }
  }

  run(m, 1, std::max(1, iterations / 10));  // warm up
  Latencies one = run(m, 1, iterations);
  Latencies two = run(m, 2, iterations);
  double rate1 = static_cast<double>(one.us.size()) / one.seconds;
  double rate2 = static_cast<double>(two.us.size()) / two.seconds;
  std::printf("1 thread:  median %.2f us, p99 %.2f us, %.0f requests/s\n", percentile(one.us, 0.5),
              percentile(one.us, 0.99), rate1);
  std::printf("2 threads: median %.2f us, p99 %.2f us, %.0f requests/s (%.2fx one thread)\n",
              percentile(two.us, 0.5), percentile(two.us, 0.99), rate2, rate2 / rate1);

  // 1,000 live instances, each in its own store, idle after one call.
  long rss0, vm0, rss1, vm1;
  memory(&rss0, &vm0);
  std::vector<std::unique_ptr<kiln::Store>> stores;
  std::vector<std::unique_ptr<kiln::WasiState>> states;
  for (int i = 0; i < 1000; ++i) {
    auto store = std::make_unique<kiln::Store>();
    kiln::ImportResolver resolver;
    if (m.wasi) {
      kiln::WasiOptions options;
      options.stdio = kiln::WasiStdio{};
      states.push_back(kiln::makeWasiState(options));
      resolver = kiln::wasiResolver(*states.back());
    }
    kiln::Instance* instance =
        m.prepared ? store->instantiate(*m.prepared, resolver) : store->instantiate(m.desc, resolver);
    if (!instance) {
      std::fprintf(stderr, "kiln-bench-instantiate: live instance %d failed\n", i);
      return 1;
    }
    stores.push_back(std::move(store));
  }
  memory(&rss1, &vm1);
  std::printf("1000 live instances: %.1f KiB resident and %.1f MiB of address space each\n",
              static_cast<double>(rss1 - rss0) / 1000.0, static_cast<double>(vm1 - vm0) / 1024.0 / 1000.0);
  return 0;
}
