// The Dagger stream API: definitions shared by the files of this folder
// (and its unit tests).
//
// dagger_url.cpp        URL parsing, --allow-net entries
// dagger_streams.cpp    null://, zero://, random://, log:// streams
// dagger_file.cpp       file://: grants, resolution beneath a directory
// dagger_http.cpp       http://: a raw request/response socket stream
// dagger_functions.cpp  the host functions, descriptors, the resolver
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../io/io.h"
#include "kiln/dagger.h"

namespace kiln::dagger {

// ---- URLs (dagger_url.cpp) ------------------------------------------------

enum class Scheme { Stdin, Stdout, Stderr, Log, File, Random, Null, Zero, Fd, Http };

// How a file:// URL opens its file (?mode=, C's fopen modes).
enum class FileMode { Read, ReadPlus, Write, WritePlus, Append, AppendPlus };

struct Url {
  Scheme scheme = Scheme::Null;
  // log://TAG: the line prefix's tag ("guest" when empty).
  std::string tag;
  // file://PATH: the guest path, percent-decoded.
  std::string path;
  FileMode mode = FileMode::Read;
  // http://HOST[:PORT]/PATH: host lowercased, without IPv6 brackets.
  std::string host;
  uint16_t port = 0;
  // fd://N
  int fd = -1;
};

struct UrlResult {
  std::optional<Url> url;
  int32_t error = 0;  // kDaggerBadUrl or kDaggerUnknownScheme when !url
};

// The longest URL open accepts (bytes).
inline constexpr uint32_t kMaxUrlLength = 4096;
// The longest log:// tag.
inline constexpr size_t kMaxLogTag = 64;

UrlResult parseUrl(std::string_view text);

// "HOST:PORT" (or "[v6]:PORT") -> lowercased host without brackets, port
// (parseDaggerHostPort, in kiln/dagger.h). nullopt when malformed.
using HostPort = DaggerHostPort;
std::optional<HostPort> parseHostPort(std::string_view text);

// Whether the file mode writes.
inline bool modeWrites(FileMode mode) { return mode != FileMode::Read; }

// ---- Streams (dagger_streams.cpp) -----------------------------------------

// null://: reads end at once, writes vanish.
std::unique_ptr<io::Stream> nullStream();
// zero://: reads fill with zeros, writes vanish.
std::unique_ptr<io::Stream> zeroStream();
// random://: reads fill from getrandom(2); writes are unsupported (ENOTSUP).
std::unique_ptr<io::Stream> randomStream();

// log://TAG: complete lines go to `sink` as "[TAG] line\n", each in one
// write. A partial line waits for its newline, flush or the end (the
// destructor); an over-long line is cut into pieces of kMaxLogLine bytes
// (the newline right after a cut piece ends it, adding no empty line).
// Reads are unsupported.
inline constexpr size_t kMaxLogLine = 4096;
class LogStream : public io::Stream {
 public:
  LogStream(std::string tag, std::shared_ptr<io::Stream> sink);
  ~LogStream() override;
  io::IoResult read(std::span<uint8_t> buffer, io::Waiter* waiter = nullptr) override;
  io::IoResult write(std::span<const uint8_t> buffer, io::Waiter* waiter = nullptr) override;
  io::IoResult flush(io::Waiter* waiter = nullptr) override;
  // Writes the partial line (as flush does, without flushing the sink).
  io::IoResult close(io::Waiter* waiter = nullptr) override;
  io::IoResult skip(uint64_t n, io::Waiter* waiter = nullptr) override;
  // Bytes waiting for their newline.
  size_t pending() const { return line_.size(); }

 private:
  io::IoResult emit(std::string_view line, io::Waiter* waiter);
  std::string prefix_;
  std::string line_;
  bool cut_ = false;  // the last line went out cut, without its newline
  std::shared_ptr<io::Stream> sink_;
};

// A host errno as a Dagger error code.
int32_t errorFromHost(int hostErrno);

// Writes all of `data` to `stream` (looping over partial writes), waiting
// through `waiter`. Returns the bytes written and the error that stopped
// it, if any.
io::IoResult writeAll(io::Stream& stream, std::span<const uint8_t> data, io::Waiter* waiter = nullptr);

// ---- Files (dagger_file.cpp) ----------------------------------------------

struct OpenGrant {
  std::vector<std::string> guest;  // the guest path's components
  bool guestAbsolute = false;
  int dirFd = -1;                  // O_PATH | O_DIRECTORY, owned
  bool readOnly = false;
};

// A path split into components, "." and empty ones dropped and ".." applied
// lexically. `escapes` is set when a ".." climbs above the start (for a
// relative path) or above "/" (for an absolute one).
struct SplitPath {
  std::vector<std::string> parts;
  bool absolute = false;
  bool escapes = false;
};
SplitPath splitPath(std::string_view path);

// Opens `parts` (no "..", no "/", no empty parts) beneath dirFd, never
// leaving it: through openat2(RESOLVE_BENEATH) when the kernel has it
// (symbolic links are followed only while they stay beneath), else one
// openat(O_NOFOLLOW) per component (symbolic links refused). Returns the
// fd, or -errno (EXDEV/ELOOP for an attempted escape).
int openBeneath(int dirFd, const std::vector<std::string>& parts, int flags, bool allowOpenat2 = true);

// The grant a guest path falls in (the longest guest prefix), and the
// remaining components. nullptr when none (permission denied).
const OpenGrant* findGrant(const std::vector<OpenGrant>& grants, const SplitPath& path,
                           std::vector<std::string>* rest);

// Opens a file:// URL. Returns a stream or a Dagger error code.
struct OpenResult {
  std::unique_ptr<io::Stream> stream;
  int32_t error = 0;
  bool readable = false;
  bool writable = false;
};
OpenResult openFile(const std::vector<OpenGrant>& grants, const Url& url);

// ---- HTTP (dagger_http.cpp) -----------------------------------------------

// The request bytes an http:// stream buffers before its flush, at most.
inline constexpr size_t kMaxHttpRequest = 16u << 20;

// http://: writes buffer the raw request; flush (or the first read)
// connects and sends it; reads return the raw response. Errors surface as
// host errnos; a host name that does not resolve is ENOENT. Connecting,
// sending and receiving wait through the caller's Waiter (io.h); the name
// lookup (getaddrinfo) cannot be interrupted and takes as long as the
// system's resolver does.
std::unique_ptr<io::Stream> httpStream(std::string host, uint16_t port);

}  // namespace kiln::dagger
