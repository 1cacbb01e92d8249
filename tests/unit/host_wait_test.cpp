// Host calls that block, inside real store calls: the guest waits in WASI
// (poll_oneoff, fd_read, fd_write, sock_accept, sock_recv, path_open) or in
// Dagger (http:// connect and read) on something that never comes, and
// another thread interrupts the store or the store's deadline passes. The
// call must end soon after (bounds here are generous: no timing is tested
// but "not stuck") with KILN_TRAP_INTERRUPTED.
//
// The "compiled modules" are hand-written like those of runtime_test.cpp:
// functions following the compiled-code convention in their own section,
// hand-filled descriptors and array-call trampolines. Each module imports
// the host functions it needs and exports one function, `run`, that calls
// them with the arguments in gCall.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../../runtime/wasi/rt_wasi.h"
#include "kiln/abi.h"
#include "kiln/dagger.h"
#include "kiln/kiln.hpp"

extern "C" char __start_kiln_test_code[];
extern "C" char __stop_kiln_test_code[];

#if defined(__clang__)
#define KILN_KEEP_FP
#else
#define KILN_KEEP_FP optimize("no-omit-frame-pointer", "no-optimize-sibling-calls")
#endif
// "Compiled" code: in the registered section, never inlined, frame pointers
// kept, not instrumented (like Kiln's output).
#define WASM_CODE                                                                                  \
  extern "C" __attribute__((section("kiln_test_code"), noinline, used, KILN_KEEP_FP, \
                            no_sanitize("address", "undefined")))

namespace {

// The arguments `run` passes to the imports.
struct Call {
  int32_t a[9];
  int64_t l[2];
};
Call gCall;

}  // namespace

// ---- Compiled functions ------------------------------------------------------

// Calls import 0 with 3 i32 arguments (sock_accept).
WASM_CODE int32_t w_call3(kiln_vmctx* vm) {
  kiln_func* f = vm->funcs[0];
  return reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int32_t, int32_t)>(f->code)(f->vmctx, gCall.a[0],
                                                                                        gCall.a[1], gCall.a[2]);
}
// Calls import 0 with 4 i32 arguments (fd_read, fd_write, poll_oneoff).
WASM_CODE int32_t w_call4(kiln_vmctx* vm) {
  kiln_func* f = vm->funcs[0];
  return reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int32_t, int32_t, int32_t)>(f->code)(
      f->vmctx, gCall.a[0], gCall.a[1], gCall.a[2], gCall.a[3]);
}
// Calls import 0 with 6 i32 arguments (sock_recv).
WASM_CODE int32_t w_call6(kiln_vmctx* vm) {
  kiln_func* f = vm->funcs[0];
  return reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t)>(f->code)(
      f->vmctx, gCall.a[0], gCall.a[1], gCall.a[2], gCall.a[3], gCall.a[4], gCall.a[5]);
}
// Calls import 0 as path_open.
WASM_CODE int32_t w_path_open(kiln_vmctx* vm) {
  kiln_func* f = vm->funcs[0];
  return reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int32_t, int32_t, int32_t, int32_t, int64_t, int64_t,
                                      int32_t, int32_t)>(f->code)(f->vmctx, gCall.a[0], gCall.a[1], gCall.a[2],
                                                                  gCall.a[3], gCall.a[4], gCall.l[0], gCall.l[1],
                                                                  gCall.a[5], gCall.a[6]);
}
// Dagger: fd = open(a0, a1); read(fd, a2, a3).
WASM_CODE int32_t w_dagger_open_read(kiln_vmctx* vm) {
  kiln_func* open = vm->funcs[0];
  kiln_func* read = vm->funcs[1];
  int32_t fd = reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int32_t)>(open->code)(open->vmctx, gCall.a[0],
                                                                                        gCall.a[1]);
  if (fd < 0) return fd;
  return reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int32_t, int32_t)>(read->code)(read->vmctx, fd,
                                                                                           gCall.a[2], gCall.a[3]);
}

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// ---- Module descriptors -------------------------------------------------------

void tramp_v_i(void* code, kiln_vmctx* vm, kiln_val* a) {
  a[0].i64 = 0;
  a[0].i32 = static_cast<uint32_t>(reinterpret_cast<int32_t (*)(kiln_vmctx*)>(code)(vm));
}

// One page of memory, the given imports (array_call is never used for
// them), and `run` () -> i32.
class Module {
 public:
  Module(const char* importModule, std::vector<std::pair<const char*, std::vector<uint8_t>>> imports, void* run) {
    for (auto& [name, params] : imports) {
      std::vector<uint8_t>& bytes = typeBytes_.emplace_back(params);
      bytes.push_back(KILN_I32);
      types_.push_back(kiln_type_desc{static_cast<uint32_t>(params.size()), 1, bytes.data(), nullptr, nullptr});
      uint32_t index = static_cast<uint32_t>(funcs_.size());
      funcs_.push_back(kiln_func_desc{static_cast<uint32_t>(types_.size() - 1), 0, nullptr, str(name)});
      imports_.push_back(kiln_import_desc{str(importModule), str(name), static_cast<uint32_t>(std::strlen(importModule)),
                                          static_cast<uint32_t>(std::strlen(name)), KILN_EXTERN_FUNC, {}, index});
    }
    std::vector<uint8_t>& result = typeBytes_.emplace_back(std::vector<uint8_t>{KILN_I32});
    types_.push_back(kiln_type_desc{0, 1, result.data(), tramp_v_i, nullptr});
    funcs_.push_back(kiln_func_desc{static_cast<uint32_t>(types_.size() - 1), 0, run, "run"});
    exports_.push_back(kiln_export_desc{"run", 3, KILN_EXTERN_FUNC, {}, static_cast<uint32_t>(funcs_.size() - 1), 0});
    memory_ = kiln_memory_desc{0, {}, 1, 1};

    desc_.abi_version = KILN_ABI_VERSION;
    desc_.flags = KILN_FLAG_MEMORY_PAGE_CAP | KILN_FLAG_STACK_CHECKS | KILN_FLAG_FRAME_POINTERS;
    desc_.kiln_version = "test";
    desc_.start_func = -1;
    desc_.vmctx_size = KILN_VMCTX_HEADER_SIZE;
    desc_.num_types = static_cast<uint32_t>(types_.size());
    desc_.types = types_.data();
    desc_.num_imports = static_cast<uint32_t>(imports_.size());
    desc_.imports = imports_.data();
    desc_.num_exports = 1;
    desc_.exports = exports_.data();
    desc_.num_funcs = static_cast<uint32_t>(funcs_.size());
    desc_.num_imported_funcs = static_cast<uint32_t>(imports_.size());
    desc_.funcs = funcs_.data();
    desc_.num_memories = 1;
    desc_.memories = &memory_;
    desc_.code_begin = __start_kiln_test_code;
    desc_.code_end = __stop_kiln_test_code;
  }
  const kiln_module_desc* desc() const { return &desc_; }

 private:
  const char* str(const char* s) { return strings_.emplace_back(s).c_str(); }
  kiln_module_desc desc_{};
  std::deque<std::vector<uint8_t>> typeBytes_;
  std::deque<std::string> strings_;
  std::vector<kiln_type_desc> types_;
  std::vector<kiln_func_desc> funcs_;
  std::vector<kiln_import_desc> imports_;
  std::vector<kiln_export_desc> exports_;
  kiln_memory_desc memory_{};
};

const std::vector<uint8_t> kI32x3 = {KILN_I32, KILN_I32, KILN_I32};
const std::vector<uint8_t> kI32x4 = {KILN_I32, KILN_I32, KILN_I32, KILN_I32};
const std::vector<uint8_t> kI32x6 = {KILN_I32, KILN_I32, KILN_I32, KILN_I32, KILN_I32, KILN_I32};

// A guest with WASI: its store, state and instance.
struct WasiGuest {
  kiln::Store store;
  std::unique_ptr<kiln::WasiState> state;
  kiln::Instance* instance = nullptr;

  WasiGuest(const Module& module, kiln::WasiOptions options = {{"prog"}, {}}) {
    std::string error;
    state = kiln::makeWasiState(options, &error);
    EXPECT_TRUE(state) << error;
    kiln::InstantiateError failure;
    if (state) instance = store.instantiate(module.desc(), kiln::wasiResolver(*state), &failure);
    EXPECT_TRUE(instance) << failure.message;
  }
  uint8_t* memory() { return instance->vmctx()->memory_base; }
  // Puts a host descriptor into the guest's table as a stream it owns.
  uint32_t addStream(int fd, uint64_t rights, uint8_t filetype = kiln::wasi::kFiletypeUnknown) {
    kiln::wasi::Descriptor d;
    d.kind = kiln::wasi::Descriptor::Kind::Stream;
    d.filetype = filetype;
    d.stream = kiln::io::fdStream(fd, true);
    d.hostFd = fd;
    d.rightsBase = rights;
    return *state->fds.insert(std::move(d));
  }
  std::optional<kiln::Trap> run() {
    std::optional<kiln::Extern> f = instance->exportNamed("run");
    kiln_val args[1] = {};
    return store.call(f->func, args);
  }
};

// What a blocked call ended with, and after how long.
struct Ended {
  std::optional<kiln::Trap> trap;
  Clock::duration took;
};

// If the call is still blocked after 10 s (waits are not being ended: the
// feature is broken), `rescue` unblocks it (writes the data, connects the
// client...), so that the test fails instead of hanging.
class Watchdog {
 public:
  explicit Watchdog(std::function<void()> rescue)
      : thread_([this, rescue = std::move(rescue)] {
          std::unique_lock<std::mutex> lock(mutex_);
          if (!done_cv_.wait_for(lock, 10s, [this] { return done_; }) && rescue) rescue();
        }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};

// Runs `call` while another thread interrupts the store after `delay`.
template <typename F>
Ended runInterrupted(kiln::Store& store, F call, std::function<void()> rescue, Clock::duration delay = 100ms) {
  kiln::InterruptHandle handle = store.interruptHandle();
  std::thread interrupter([handle, delay] {
    std::this_thread::sleep_for(delay);
    handle.interrupt();
  });
  Ended ended;
  {
    Watchdog watchdog(std::move(rescue));
    Clock::time_point start = Clock::now();
    ended.trap = call();
    ended.took = Clock::now() - start;
  }
  interrupter.join();
  return ended;
}

// Runs `call` with the store's deadline `timeout` from now.
template <typename F>
Ended runWithTimeout(kiln::Store& store, F call, std::function<void()> rescue, Clock::duration timeout = 200ms) {
  store.setTimeout(timeout);
  Watchdog watchdog(std::move(rescue));
  Clock::time_point start = Clock::now();
  Ended ended;
  ended.trap = call();
  ended.took = Clock::now() - start;
  return ended;
}

// The call ended as interrupted, and not because the watchdog had to
// rescue it.
void expectInterrupted(const Ended& ended) {
  ASSERT_TRUE(ended.trap) << "the call returned instead of trapping";
  EXPECT_EQ(ended.trap->code, KILN_TRAP_INTERRUPTED) << ended.trap->report() << ended.trap->error;
  EXPECT_FALSE(ended.trap->exitStatus);
  EXPECT_LT(ended.took, 5s);
}

void writeByte(int fd) { EXPECT_EQ(::write(fd, "x", 1), 1); }

struct Pipe {
  int read = -1, write = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    read = fds[0];
    write = fds[1];
  }
  ~Pipe() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
  }
};

void store32(uint8_t* mem, uint32_t at, uint32_t v) { std::memcpy(mem + at, &v, 4); }
void store64(uint8_t* mem, uint32_t at, uint64_t v) { std::memcpy(mem + at, &v, 8); }

constexpr uint64_t kReadRights = kiln::wasi::kRightFdRead | kiln::wasi::kRightPollFdReadwrite;
constexpr uint64_t kWriteRights = kiln::wasi::kRightFdWrite | kiln::wasi::kRightPollFdReadwrite;

// ---- WASI ------------------------------------------------------------------------

// poll_oneoff subscription (48 bytes) at `at`.
void subscribeFdRead(uint8_t* mem, uint32_t at, uint32_t fd) {
  std::memset(mem + at, 0, 48);
  store64(mem, at, 7);  // userdata
  mem[at + 8] = 1;      // fd_read
  store32(mem, at + 16, fd);
}
void subscribeClock(uint8_t* mem, uint32_t at, uint64_t timeoutNs) {
  std::memset(mem + at, 0, 48);
  store64(mem, at, 9);  // userdata
  mem[at + 8] = 0;      // clock
  store32(mem, at + 16, 1);  // monotonic
  store64(mem, at + 24, timeoutNs);
}

TEST(HostWait, PollOneoffOnAPipeNobodyWritesIsInterrupted) {
  Module m("wasi_snapshot_preview1", {{"poll_oneoff", kI32x4}}, reinterpret_cast<void*>(w_call4));
  WasiGuest g(m);
  ASSERT_TRUE(g.instance);
  Pipe pipe;
  uint32_t fd = g.addStream(pipe.read, kReadRights);
  pipe.read = -1;  // the guest's now
  subscribeFdRead(g.memory(), 100, fd);
  gCall = {{100, 200, 1, 300}, {}};
  expectInterrupted(runInterrupted(g.store, [&] { return g.run(); }, [&] { writeByte(pipe.write); }));
}

TEST(HostWait, PollOneoffOnAPipeAndAClockEndsAtTheDeadline) {
  Module m("wasi_snapshot_preview1", {{"poll_oneoff", kI32x4}}, reinterpret_cast<void*>(w_call4));
  WasiGuest g(m);
  ASSERT_TRUE(g.instance);
  Pipe pipe;
  uint32_t fd = g.addStream(pipe.read, kReadRights);
  pipe.read = -1;
  subscribeFdRead(g.memory(), 100, fd);
  subscribeClock(g.memory(), 148, 10'000'000'000);  // 10 s
  gCall = {{100, 300, 2, 400}, {}};
  expectInterrupted(runWithTimeout(g.store, [&] { return g.run(); }, [&] { writeByte(pipe.write); }));
}

TEST(HostWait, SleepIsInterrupted) {
  // C's sleep(10): one clock subscription of 10 s.
  Module m("wasi_snapshot_preview1", {{"poll_oneoff", kI32x4}}, reinterpret_cast<void*>(w_call4));
  WasiGuest g(m);
  ASSERT_TRUE(g.instance);
  subscribeClock(g.memory(), 100, 10'000'000'000);
  gCall = {{100, 200, 1, 300}, {}};
  expectInterrupted(runInterrupted(g.store, [&] { return g.run(); }, nullptr));  // ends by itself
}

TEST(HostWait, SleepEndsAtTheDeadline) {
  Module m("wasi_snapshot_preview1", {{"poll_oneoff", kI32x4}}, reinterpret_cast<void*>(w_call4));
  WasiGuest g(m);
  ASSERT_TRUE(g.instance);
  subscribeClock(g.memory(), 100, 10'000'000'000);
  gCall = {{100, 200, 1, 300}, {}};
  expectInterrupted(runWithTimeout(g.store, [&] { return g.run(); }, nullptr));  // ends by itself
}

TEST(HostWait, ShortSleepsStillWork) {
  // A sleep that ends on its own returns its event: nothing interrupted.
  Module m("wasi_snapshot_preview1", {{"poll_oneoff", kI32x4}}, reinterpret_cast<void*>(w_call4));
  WasiGuest g(m);
  ASSERT_TRUE(g.instance);
  for (uint64_t ns : {uint64_t{500'000}, uint64_t{20'000'000}}) {
    subscribeClock(g.memory(), 100, ns);
    gCall = {{100, 200, 1, 300}, {}};
    std::optional<kiln::Trap> trap = g.run();
    ASSERT_FALSE(trap) << trap->report();
    uint32_t nevents;
    std::memcpy(&nevents, g.memory() + 300, 4);
    EXPECT_EQ(nevents, 1u);
    EXPECT_EQ(g.memory()[200 + 10], 0);  // a clock event
  }
}

TEST(HostWait, FdReadOnAnEmptyPipeIsInterrupted) {
  Module m("wasi_snapshot_preview1", {{"fd_read", kI32x4}}, reinterpret_cast<void*>(w_call4));
  WasiGuest g(m);
  ASSERT_TRUE(g.instance);
  Pipe pipe;  // the write end stays open: no end of file
  uint32_t fd = g.addStream(pipe.read, kReadRights);
  pipe.read = -1;
  store32(g.memory(), 100, 1000);  // iovec {1000, 64}
  store32(g.memory(), 104, 64);
  gCall = {{static_cast<int32_t>(fd), 100, 1, 200}, {}};
  expectInterrupted(runInterrupted(g.store, [&] { return g.run(); }, [&] { writeByte(pipe.write); }));
}

TEST(HostWait, FdReadOnAnEmptyPipeEndsAtTheDeadline) {
  Module m("wasi_snapshot_preview1", {{"fd_read", kI32x4}}, reinterpret_cast<void*>(w_call4));
  WasiGuest g(m);
  ASSERT_TRUE(g.instance);
  Pipe pipe;
  uint32_t fd = g.addStream(pipe.read, kReadRights);
  pipe.read = -1;
  store32(g.memory(), 100, 1000);
  store32(g.memory(), 104, 64);
  gCall = {{static_cast<int32_t>(fd), 100, 1, 200}, {}};
  expectInterrupted(runWithTimeout(g.store, [&] { return g.run(); }, [&] { writeByte(pipe.write); }));
}

TEST(HostWait, FdReadOfStdinIsInterrupted) {
  // The guest's stdin (shared, not owned: looked at on every read) is an
  // empty pipe whose writer stays.
  Pipe pipe;
  int savedStdin = ::dup(0);
  ASSERT_GE(savedStdin, 0);
  ASSERT_EQ(::dup2(pipe.read, 0), 0);
  Ended ended;
  {
    Module m("wasi_snapshot_preview1", {{"fd_read", kI32x4}}, reinterpret_cast<void*>(w_call4));
    WasiGuest g(m);
    if (g.instance) {
      store32(g.memory(), 100, 1000);
      store32(g.memory(), 104, 64);
      gCall = {{0, 100, 1, 200}, {}};
      ended = runInterrupted(g.store, [&] { return g.run(); }, [&] { writeByte(pipe.write); });
    }
  }
  ::dup2(savedStdin, 0);
  ::close(savedStdin);
  expectInterrupted(ended);
}

TEST(HostWait, DataStillArrives) {
  // Waiting through the store changes nothing for a read that gets data.
  Module m("wasi_snapshot_preview1", {{"fd_read", kI32x4}}, reinterpret_cast<void*>(w_call4));
  WasiGuest g(m);
  ASSERT_TRUE(g.instance);
  Pipe pipe;
  uint32_t fd = g.addStream(pipe.read, kReadRights);
  pipe.read = -1;
  store32(g.memory(), 100, 1000);
  store32(g.memory(), 104, 64);
  gCall = {{static_cast<int32_t>(fd), 100, 1, 200}, {}};
  g.store.setTimeout(60s);
  std::thread writer([w = pipe.write] {
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(::write(w, "late", 4), 4);
  });
  std::optional<kiln::Trap> trap = g.run();
  writer.join();
  ASSERT_FALSE(trap) << trap->report();
  uint32_t nread;
  std::memcpy(&nread, g.memory() + 200, 4);
  EXPECT_EQ(nread, 4u);
  EXPECT_EQ(std::memcmp(g.memory() + 1000, "late", 4), 0);
}

TEST(HostWait, FdWriteToAFullPipeIsInterrupted) {
  Module m("wasi_snapshot_preview1", {{"fd_write", kI32x4}}, reinterpret_cast<void*>(w_call4));
  WasiGuest g(m);
  ASSERT_TRUE(g.instance);
  Pipe pipe;  // nobody reads
  ASSERT_EQ(::fcntl(pipe.write, F_SETFL, O_NONBLOCK), 0);
  char junk[4096] = {};
  while (::write(pipe.write, junk, sizeof junk) > 0) {
  }
  ASSERT_EQ(::fcntl(pipe.write, F_SETFL, 0), 0);
  uint32_t fd = g.addStream(pipe.write, kWriteRights);
  pipe.write = -1;
  store32(g.memory(), 100, 1000);
  store32(g.memory(), 104, 60000);
  gCall = {{static_cast<int32_t>(fd), 100, 1, 200}, {}};
  auto drain = [&] {
    ASSERT_EQ(::fcntl(pipe.read, F_SETFL, O_NONBLOCK), 0);
    while (::read(pipe.read, junk, sizeof junk) > 0) {
    }
  };
  expectInterrupted(runInterrupted(g.store, [&] { return g.run(); }, drain));
}

TEST(HostWait, SockRecvWithNothingToReceiveEndsAtTheDeadline) {
  Module m("wasi_snapshot_preview1", {{"sock_recv", kI32x6}}, reinterpret_cast<void*>(w_call6));
  WasiGuest g(m);
  ASSERT_TRUE(g.instance);
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  uint32_t fd = g.addStream(sv[0], kReadRights, kiln::wasi::kFiletypeSocketStream);
  store32(g.memory(), 100, 1000);
  store32(g.memory(), 104, 64);
  gCall = {{static_cast<int32_t>(fd), 100, 1, 0, 200, 204}, {}};
  expectInterrupted(runWithTimeout(g.store, [&] { return g.run(); }, [&] { writeByte(sv[1]); }));
  // MSG_WAITALL, with part of the data there.
  Module m2("wasi_snapshot_preview1", {{"sock_recv", kI32x6}}, reinterpret_cast<void*>(w_call6));
  WasiGuest g2(m2);
  ASSERT_TRUE(g2.instance);
  int sv2[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv2), 0);
  uint32_t fd2 = g2.addStream(sv2[0], kReadRights, kiln::wasi::kFiletypeSocketStream);
  ASSERT_EQ(::write(sv2[1], "part", 4), 4);
  store32(g2.memory(), 100, 1000);
  store32(g2.memory(), 104, 64);
  gCall = {{static_cast<int32_t>(fd2), 100, 1, 2 /* waitall */, 200, 204}, {}};
  expectInterrupted(runWithTimeout(g2.store, [&] { return g2.run(); }, [&] { ::shutdown(sv2[1], SHUT_WR); }));
  ::close(sv[1]);
  ::close(sv2[1]);
}

TEST(HostWait, SockAcceptWithNoClientIsInterrupted) {
  Module m("wasi_snapshot_preview1", {{"sock_accept", kI32x3}}, reinterpret_cast<void*>(w_call3));
  WasiGuest g(m);
  ASSERT_TRUE(g.instance);
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  uint32_t fd = g.addStream(listener, kReadRights | kiln::wasi::kRightSockAccept, kiln::wasi::kFiletypeSocketStream);
  gCall = {{static_cast<int32_t>(fd), 0, 100}, {}};
  int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto connectClient = [&] { ::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr); };
  expectInterrupted(runInterrupted(g.store, [&] { return g.run(); }, connectClient));
  ::close(client);
}

TEST(HostWait, OpeningAFifoWithNoReaderEndsAtTheDeadline) {
  char pattern[] = "/tmp/kiln-host-wait-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  fs::path dir = pattern;
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  {
    Module m("wasi_snapshot_preview1",
             {{"path_open", {KILN_I32, KILN_I32, KILN_I32, KILN_I32, KILN_I32, KILN_I64, KILN_I64, KILN_I32,
                             KILN_I32}}},
             reinterpret_cast<void*>(w_path_open));
    WasiGuest g(m, {{"prog"}, {}, {{dir.string(), "/d", false}}});
    ASSERT_TRUE(g.instance);
    std::memcpy(g.memory() + 100, "fifo", 4);
    // fd 3 (the preopen), path "fifo", fd_write right only.
    gCall = {{3, 0, 100, 4, 0, 0, 500}, {static_cast<int64_t>(kiln::wasi::kRightFdWrite), 0}};
    int reader = -1;
    auto openReader = [&] { reader = ::open((dir / "fifo").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC); };
    expectInterrupted(runWithTimeout(g.store, [&] { return g.run(); }, openReader));
    if (reader >= 0) ::close(reader);
  }
  fs::remove_all(dir);
}

// A host function the embedder calls directly (outside Store::call) on an
// interrupted store has no call to end: it returns EINTR.
TEST(HostWait, DirectCallsOnAnInterruptedStoreReturn) {
  Module m("wasi_snapshot_preview1", {{"poll_oneoff", kI32x4}}, reinterpret_cast<void*>(w_call4));
  WasiGuest g(m);
  ASSERT_TRUE(g.instance);
  subscribeClock(g.memory(), 100, 10'000'000'000);
  g.store.interruptHandle().interrupt();
  EXPECT_EQ(kiln::wasi::poll_oneoff(g.instance->vmctx(), 100, 200, 1, 300), kiln::wasi::kEintr);
  std::optional<kiln::Trap> trap = g.run();
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->code, KILN_TRAP_INTERRUPTED);
}

// ---- Dagger http:// --------------------------------------------------------------

// A TCP listener on 127.0.0.1 (any port).
struct Listener {
  int fd = -1;
  uint16_t port = 0;
  explicit Listener(int backlog) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port = ntohs(addr.sin_port);
    EXPECT_EQ(::listen(fd, backlog), 0);
  }
  ~Listener() { ::close(fd); }
  // Accepts and closes what is queued, then stops listening: every client
  // sees its connection end (or refused).
  void hangUp() {
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    for (int conn; (conn = ::accept(fd, nullptr, nullptr)) >= 0;) ::close(conn);
    ::shutdown(fd, SHUT_RDWR);
  }
};

struct DaggerGuest {
  kiln::Store store;
  std::unique_ptr<kiln::DaggerState> state;
  kiln::Instance* instance = nullptr;
  explicit DaggerGuest(const Module& module, std::string allowNet) {
    kiln::DaggerOptions options;
    options.allowNet = {std::move(allowNet)};
    state = kiln::makeDaggerState(options);
    kiln::InstantiateError failure;
    instance = store.instantiate(module.desc(), kiln::daggerResolver(*state), &failure);
    EXPECT_TRUE(instance) << failure.message;
  }
  std::optional<kiln::Trap> run() {
    kiln_val args[1] = {};
    return store.call(instance->exportNamed("run")->func, args);
  }
  // `run` opens `url` and reads from it.
  void prepare(const std::string& url) {
    std::memcpy(instance->vmctx()->memory_base + 100, url.data(), url.size());
    gCall = {{100, static_cast<int32_t>(url.size()), 2000, 256}, {}};
  }
};

TEST(HostWait, DaggerHttpReadFromAServerThatNeverAnswersIsInterrupted) {
  Listener server(8);  // the kernel accepts the connection; nobody answers
  std::string host = "127.0.0.1:" + std::to_string(server.port);
  Module m("dagger", {{"open", {KILN_I32, KILN_I32}}, {"read", kI32x3}}, reinterpret_cast<void*>(w_dagger_open_read));
  DaggerGuest g(m, host);
  ASSERT_TRUE(g.instance);
  g.prepare("http://" + host + "/");
  expectInterrupted(runInterrupted(g.store, [&] { return g.run(); }, [&] { server.hangUp(); }));
}

TEST(HostWait, DaggerHttpReadFromAServerThatNeverAnswersEndsAtTheDeadline) {
  Listener server(8);
  std::string host = "127.0.0.1:" + std::to_string(server.port);
  Module m("dagger", {{"open", {KILN_I32, KILN_I32}}, {"read", kI32x3}}, reinterpret_cast<void*>(w_dagger_open_read));
  DaggerGuest g(m, host);
  ASSERT_TRUE(g.instance);
  g.prepare("http://" + host + "/");
  expectInterrupted(runWithTimeout(g.store, [&] { return g.run(); }, [&] { server.hangUp(); }));
}

TEST(HostWait, DaggerHttpConnectThatHangsIsInterrupted) {
  // A listener with a backlog of 0 whose one queued connection is never
  // accepted: Linux drops the next SYN, so that connect waits (minutes).
  Listener server(0);
  std::string host = "127.0.0.1:" + std::to_string(server.port);
  int first = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(server.port);
  ASSERT_EQ(::connect(first, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  Module m("dagger", {{"open", {KILN_I32, KILN_I32}}, {"read", kI32x3}}, reinterpret_cast<void*>(w_dagger_open_read));
  DaggerGuest g(m, host);
  ASSERT_TRUE(g.instance);
  g.prepare("http://" + host + "/");
  expectInterrupted(runInterrupted(g.store, [&] { return g.run(); }, [&] { server.hangUp(); }, 300ms));
  ::close(first);
}

}  // namespace
