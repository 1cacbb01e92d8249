// The Dagger host functions (module "dagger"), the per-instance descriptor
// table, and the resolver.
//
//   open(url_ptr: i32, url_len: i32) -> i32   descriptor, or a negative DaggerError
//   read(fd: i32, ptr: i32, len: i32) -> i32  bytes read (0: end of stream)
//   write(fd: i32, ptr: i32, len: i32) -> i32 bytes written (all of them unless an error stopped it)
//   flush(fd: i32) -> i32, also named sync    0
//   close(fd: i32) -> i32                     0
//
// Every guest (pointer, length) is checked against the caller's memory
// before the host touches it (kDaggerBadInput otherwise).
//
// read, write, flush and close may wait (stdin, a full stdout pipe, an
// http:// server): they wait through a wasi::StoreWaiter, and when the
// store is interrupted or passes its deadline the guest traps
// (KILN_TRAP_INTERRUPTED). As in WASI (rt_wasi.h), the bodies return
// kInterruptedCall and thin wrappers, holding nothing, end the call.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <type_traits>

#include "../wasi/rt_wasi.h"
#include "rt_dagger.h"

namespace kiln {

struct DaggerState {
  struct Handle {
    std::unique_ptr<io::Stream> stream;
    bool readable = false;
    bool writable = false;
  };

  std::vector<dagger::OpenGrant> grants;
  std::vector<dagger::HostPort> allowNet;
  // Index = descriptor; an empty slot is free.
  std::vector<std::unique_ptr<Handle>> handles;
  size_t open = 0;
  // Where log:// lines go.
  std::shared_ptr<io::Stream> logSink;

  DaggerState() = default;
  DaggerState(const DaggerState&) = delete;
  DaggerState& operator=(const DaggerState&) = delete;
  ~DaggerState() {
    // Close in order, so that log lines left without their newline come
    // out in the order the guest opened their streams.
    handles.clear();
    for (dagger::OpenGrant& grant : grants)
      if (grant.dirFd >= 0) ::close(grant.dirFd);
  }

  Handle* handle(int32_t fd) {
    if (fd < 0 || static_cast<size_t>(fd) >= handles.size()) return nullptr;
    return handles[static_cast<size_t>(fd)].get();
  }
};

namespace dagger {
namespace {

const char kEnvTag = 0;

using wasi::GuestMemory;

DaggerState* stateOf(kiln_vmctx* vmctx) { return static_cast<DaggerState*>(hostEnv(vmctx, &kEnvTag)); }

uint32_t u32(int32_t v) { return static_cast<uint32_t>(v); }

// A transfer's result as the guest sees it: the byte count or an error code.
int32_t toResult(const io::IoResult& r) {
  if (r.interrupted()) return wasi::kInterruptedCall;
  if (!r.ok()) return errorFromHost(r.error);
  return static_cast<int32_t>(r.value);
}

struct Opened {
  std::unique_ptr<io::Stream> stream;
  bool readable = false;
  bool writable = false;
  int32_t error = 0;
};

Opened stdioStream(int fd) {
  Opened o;
  o.stream = io::fdStream(fd, false);
  o.readable = fd == 0;
  o.writable = fd != 0;
  return o;
}

Opened openUrl(DaggerState& state, const Url& url) {
  Opened o;
  switch (url.scheme) {
    case Scheme::Stdin: return stdioStream(0);
    case Scheme::Stdout: return stdioStream(1);
    case Scheme::Stderr: return stdioStream(2);
    case Scheme::Fd:
      // Only the standard streams: other host descriptors belong to Kiln.
      if (url.fd > 2) {
        o.error = kDaggerPermissionDenied;
        return o;
      }
      return stdioStream(url.fd);
    case Scheme::Log:
      if (!state.logSink) state.logSink = io::fdStream(2, false);
      o.stream = std::make_unique<LogStream>(url.tag, state.logSink);
      o.writable = true;
      return o;
    case Scheme::Null:
      o.stream = nullStream();
      o.readable = o.writable = true;
      return o;
    case Scheme::Zero:
      o.stream = zeroStream();
      o.readable = o.writable = true;
      return o;
    case Scheme::Random:
      o.stream = randomStream();
      o.readable = true;
      return o;
    case Scheme::File: {
      OpenResult r = openFile(state.grants, url);
      o.stream = std::move(r.stream);
      o.error = r.error;
      o.readable = r.readable;
      o.writable = r.writable;
      return o;
    }
    case Scheme::Http: {
      bool allowed = false;
      for (const HostPort& entry : state.allowNet) allowed = allowed || (entry.host == url.host && entry.port == url.port);
      if (!allowed) {
        o.error = kDaggerPermissionDenied;
        return o;
      }
      o.stream = httpStream(url.host, url.port);
      o.readable = o.writable = true;
      return o;
    }
  }
  o.error = kDaggerUnknownScheme;
  return o;
}

int32_t dagger_open(kiln_vmctx* vmctx, int32_t urlPtr, int32_t urlLen) {
  DaggerState* state = stateOf(vmctx);
  if (!state) return kDaggerIoError;
  GuestMemory mem(vmctx);
  if (urlLen < 0 || !mem.valid(u32(urlPtr), u32(urlLen))) return kDaggerBadInput;
  if (u32(urlLen) > kMaxUrlLength) return kDaggerBadUrl;
  std::string text(reinterpret_cast<const char*>(mem.at(u32(urlPtr))), u32(urlLen));
  UrlResult parsed = parseUrl(text);
  if (!parsed.url) return parsed.error;
  if (state->open >= static_cast<size_t>(kDaggerMaxOpen)) return kDaggerTooManyOpen;
  Opened opened = openUrl(*state, *parsed.url);
  if (!opened.stream) return opened.error ? opened.error : kDaggerIoError;
  size_t slot = 0;
  while (slot < state->handles.size() && state->handles[slot]) ++slot;
  if (slot == state->handles.size()) state->handles.emplace_back();
  auto handle = std::make_unique<DaggerState::Handle>();
  handle->stream = std::move(opened.stream);
  handle->readable = opened.readable;
  handle->writable = opened.writable;
  state->handles[slot] = std::move(handle);
  ++state->open;
  return static_cast<int32_t>(slot);
}

int32_t daggerRead(kiln_vmctx* vmctx, int32_t fd, int32_t ptr, int32_t len) {
  DaggerState* state = stateOf(vmctx);
  DaggerState::Handle* handle = state ? state->handle(fd) : nullptr;
  if (!handle) return kDaggerBadFd;
  GuestMemory mem(vmctx);
  if (len < 0 || !mem.valid(u32(ptr), u32(len))) return kDaggerBadInput;
  if (!handle->readable) return kDaggerUnsupported;
  if (len == 0) return 0;
  wasi::StoreWaiter waiter(vmctx);
  return toResult(handle->stream->read({mem.at(u32(ptr)), u32(len)}, &waiter));
}

int32_t daggerWrite(kiln_vmctx* vmctx, int32_t fd, int32_t ptr, int32_t len) {
  DaggerState* state = stateOf(vmctx);
  DaggerState::Handle* handle = state ? state->handle(fd) : nullptr;
  if (!handle) return kDaggerBadFd;
  GuestMemory mem(vmctx);
  if (len < 0 || !mem.valid(u32(ptr), u32(len))) return kDaggerBadInput;
  if (!handle->writable) return kDaggerUnsupported;
  if (len == 0) return 0;
  wasi::StoreWaiter waiter(vmctx);
  io::IoResult r = writeAll(*handle->stream, {mem.at(u32(ptr)), u32(len)}, &waiter);
  // Bytes that went out before an error are reported; the next call sees
  // the error.
  if (!r.ok() && !r.interrupted() && r.value > 0) return static_cast<int32_t>(r.value);
  return toResult(r);
}

int32_t daggerFlush(kiln_vmctx* vmctx, int32_t fd) {
  DaggerState* state = stateOf(vmctx);
  DaggerState::Handle* handle = state ? state->handle(fd) : nullptr;
  if (!handle) return kDaggerBadFd;
  wasi::StoreWaiter waiter(vmctx);
  io::IoResult r = handle->stream->flush(&waiter);
  return r.ok() ? 0 : toResult(r);
}

int32_t daggerClose(kiln_vmctx* vmctx, int32_t fd) {
  DaggerState* state = stateOf(vmctx);
  DaggerState::Handle* handle = state ? state->handle(fd) : nullptr;
  if (!handle) return kDaggerBadFd;
  // A log:// stream writes its unfinished line now, where the wait can be
  // interrupted (an interrupted close leaves the descriptor open, for the
  // state's teardown). Errors are not reported: the descriptor goes anyway.
  wasi::StoreWaiter waiter(vmctx);
  if (handle->stream->close(&waiter).interrupted()) return wasi::kInterruptedCall;
  state->handles[static_cast<size_t>(fd)].reset();
  --state->open;
  while (!state->handles.empty() && !state->handles.back()) state->handles.pop_back();
  return 0;
}

// The thin wrappers of the four that may wait. Called directly by the
// embedder (outside Store::call) with an interrupted store, they report an
// I/O error.
int32_t dagger_read(kiln_vmctx* vmctx, int32_t fd, int32_t ptr, int32_t len) {
  return wasi::endIfInterrupted(vmctx, daggerRead(vmctx, fd, ptr, len), kDaggerIoError);
}
int32_t dagger_write(kiln_vmctx* vmctx, int32_t fd, int32_t ptr, int32_t len) {
  return wasi::endIfInterrupted(vmctx, daggerWrite(vmctx, fd, ptr, len), kDaggerIoError);
}
int32_t dagger_flush(kiln_vmctx* vmctx, int32_t fd) {
  return wasi::endIfInterrupted(vmctx, daggerFlush(vmctx, fd), kDaggerIoError);
}
int32_t dagger_close(kiln_vmctx* vmctx, int32_t fd) {
  return wasi::endIfInterrupted(vmctx, daggerClose(vmctx, fd), kDaggerIoError);
}

template <typename... A>
HostFunc hostFunc(int32_t (*fn)(kiln_vmctx*, A...)) {
  static_assert((std::is_same_v<A, int32_t> && ...), "Dagger functions take i32 parameters");
  HostFunc f;
  f.code = reinterpret_cast<void*>(fn);
  f.params.assign(sizeof...(A), KILN_I32);
  f.results = {KILN_I32};
  return f;
}

std::optional<HostFunc> lookup(std::string_view name) {
  if (name == "open") return hostFunc(&dagger_open);
  if (name == "read") return hostFunc(&dagger_read);
  if (name == "write") return hostFunc(&dagger_write);
  if (name == "flush" || name == "sync") return hostFunc(&dagger_flush);
  if (name == "close") return hostFunc(&dagger_close);
  return std::nullopt;
}

}  // namespace
}  // namespace dagger

std::unique_ptr<DaggerState> makeDaggerState(const DaggerOptions& options) {
  auto state = std::make_unique<DaggerState>();
  for (const WasiPreopen& grant : options.dirs) {
    dagger::OpenGrant open;
    dagger::SplitPath guest = dagger::splitPath(grant.guestPath.empty() ? grant.hostPath : grant.guestPath);
    if (guest.escapes) continue;  // a guest path no URL can name
    open.guest = std::move(guest.parts);
    open.guestAbsolute = guest.absolute;
    open.readOnly = grant.readOnly;
    do open.dirFd = ::open(grant.hostPath.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    while (open.dirFd < 0 && errno == EINTR);
    state->grants.push_back(std::move(open));
  }
  for (const std::string& entry : options.allowNet)
    if (std::optional<dagger::HostPort> hostPort = dagger::parseHostPort(entry)) state->allowNet.push_back(*hostPort);
  return state;
}

ImportResolver daggerResolver(DaggerState& state) {
  ImportResolver resolver;
  DaggerState* statePtr = &state;
  resolver.hostFunc = [statePtr](std::string_view module, std::string_view name) -> std::optional<HostFunc> {
    if (module != kDaggerModule) return std::nullopt;
    std::optional<HostFunc> f = dagger::lookup(name);
    if (!f) return std::nullopt;
    f->envTag = &dagger::kEnvTag;
    f->env = statePtr;
    return f;
  };
  return resolver;
}

ImportResolver chainResolvers(ImportResolver first, ImportResolver second) {
  ImportResolver chained;
  if (first.hostFunc || second.hostFunc) {
    chained.hostFunc = [a = first.hostFunc, b = second.hostFunc](std::string_view module,
                                                                  std::string_view name) -> std::optional<HostFunc> {
      if (a)
        if (std::optional<HostFunc> f = a(module, name)) return f;
      if (b) return b(module, name);
      return std::nullopt;
    };
  }
  if (first.external || second.external) {
    chained.external = [a = first.external, b = second.external](std::string_view module,
                                                                  std::string_view name) -> std::optional<Extern> {
      if (a)
        if (std::optional<Extern> e = a(module, name)) return e;
      if (b) return b(module, name);
      return std::nullopt;
    };
  }
  return chained;
}

}  // namespace kiln

void std::default_delete<kiln::DaggerState>::operator()(kiln::DaggerState* state) const { delete state; }
