// Frames larger than the runtime's stack margin (abi.h, the stack contract):
// real compiled code with a 400 KB frame (50,000 i64 locals at -O0) runs on
// a thread whose stack we place ourselves, directly above a guard page and a
// canary region. Without the stack probe such a frame lands below the guard
// page and its writes reach the canary (host memory) before any check; with
// it, the overflow traps before the frame is touched.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "kiln/kiln.hpp"

namespace {

namespace fs = std::filesystem;

int shell(const std::string& command) {
  int status = std::system(command.c_str());
  return status == -1 || !WIFEXITED(status) ? -1 : WEXITSTATUS(status);
}

// Compiles a module whose `deep(n)` recurses n times through a function with
// a 400 KB frame (at -O0 every local has its own stack slot).
class BigFrames : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char pattern[] = "/tmp/kiln-stack-probe-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    std::ofstream wat(dir_ + "/big.wat");
    wat << "(module (func $deep (export \"deep\") (param $n i32) (result i32) (local";
    for (int i = 0; i < 50000; ++i) wat << " i64";
    wat << ")\n"
           "  (local.set 1 (i64.extend_i32_u (local.get $n)))\n"
           "  (local.set 49999 (local.get 1))\n"
           "  (if (result i32) (local.get $n)\n"
           "    (then (i32.add (call $deep (i32.sub (local.get $n) (i32.const 1)))\n"
           "                   (i32.wrap_i64 (local.get 49999))))\n"
           "    (else (i32.const 0)))))\n";
    wat.close();
    const std::string kiln = std::string(KILN_BINARY_DIR) + "/compiler/kiln";
    ASSERT_EQ(shell("wat2wasm '" + dir_ + "/big.wat' -o '" + dir_ + "/big.wasm'"), 0);
    ASSERT_EQ(shell("'" + kiln + "' compile -O0 --emit=shared '" + dir_ + "/big.wasm' -o '" + dir_ + "/big.so'"), 0);
    handle_ = dlopen((dir_ + "/big.so").c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle_, nullptr) << dlerror();
    desc_ = static_cast<const kiln_module_desc*>(dlsym(handle_, KILN_MODULE_SYMBOL));
    ASSERT_NE(desc_, nullptr);
  }
  static void TearDownTestSuite() {
    // The handle stays open: traps may have registered its code range.
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  static std::string dir_;
  static void* handle_;
  static const kiln_module_desc* desc_;
};

std::string BigFrames::dir_;
void* BigFrames::handle_ = nullptr;
const kiln_module_desc* BigFrames::desc_ = nullptr;

struct DeepCall {
  DeepCall(const kiln_module_desc* d, int32_t count) : desc(d), n(count) {}
  const kiln_module_desc* desc;
  int32_t n;
  kiln_trap_code code = KILN_TRAP_NONE;
  std::string error;
  int32_t result = -1;
};

void* runDeep(void* arg) {
  auto* call = static_cast<DeepCall*>(arg);
  kiln::Store store;
  kiln::InstantiateError error;
  kiln::Instance* instance = store.instantiate(call->desc, {}, &error);
  if (!instance) {
    call->error = error.message;
    return nullptr;
  }
  std::optional<kiln::Extern> deep = instance->exportNamed("deep");
  kiln_val args[1];
  args[0].i64 = 0;
  args[0].i32 = static_cast<uint32_t>(call->n);
  std::optional<kiln::Trap> trap = store.call(deep->func, args);
  if (trap) {
    call->code = trap->code;
    call->error = trap->error;
  } else {
    call->result = static_cast<int32_t>(args[0].i32);
  }
  return nullptr;
}

TEST_F(BigFrames, OverflowTrapsBeforeTheFrameIsTouched) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t canarySize = 2 << 20, stackSize = 1 << 20;
  // [canary][guard page][stack]: the thread's stack ends at the guard page.
  void* region = mmap(nullptr, canarySize + page + stackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
  ASSERT_NE(region, MAP_FAILED);
  auto* canary = static_cast<unsigned char*>(region);
  memset(canary, 0xA5, canarySize);
  ASSERT_EQ(mprotect(canary + canarySize, page, PROT_NONE), 0);

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  ASSERT_EQ(pthread_attr_setstack(&attr, canary + canarySize + page, stackSize), 0);
  auto onThread = [&](int32_t n) {
    DeepCall call{desc_, n};
    pthread_t thread;
    EXPECT_EQ(pthread_create(&thread, &attr, runDeep, &call), 0);
    pthread_join(thread, nullptr);
    return call;
  };

  // One 400 KB frame fits in the 1 MiB stack.
  DeepCall one = onThread(0);
  EXPECT_EQ(one.error, "");
  EXPECT_EQ(one.code, KILN_TRAP_NONE);
  EXPECT_EQ(one.result, 0);
  // Three do not: the probe traps before the frame that would cross the
  // limit is touched, whatever the depth.
  for (int32_t n : {2, 3, 8}) {
    DeepCall deep = onThread(n);
    EXPECT_EQ(deep.error, "") << n;
    EXPECT_EQ(deep.code, KILN_TRAP_STACK_OVERFLOW) << "deep(" << n << ")";
  }
  size_t damaged = 0;
  for (size_t i = 0; i < canarySize; ++i) damaged += canary[i] != 0xA5;
  EXPECT_EQ(damaged, 0u) << "compiled code wrote below the thread's stack";
  pthread_attr_destroy(&attr);
  munmap(region, canarySize + page + stackSize);
}

// On the main thread, through the same path kiln run takes: deep recursion
// with big frames is an ordinary trap.
TEST_F(BigFrames, DeepRecursionOnTheMainThreadTraps) {
  DeepCall call{desc_, 1000};
  runDeep(&call);
  EXPECT_EQ(call.error, "");
  EXPECT_EQ(call.code, KILN_TRAP_STACK_OVERFLOW);
  DeepCall shallow{desc_, 3};
  runDeep(&shallow);
  EXPECT_EQ(shallow.code, KILN_TRAP_NONE);
  EXPECT_EQ(shallow.result, 6);  // 3 + 2 + 1 + 0
}

}  // namespace
