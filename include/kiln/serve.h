// `kiln serve` as a library (libkiln-serve): an HTTP server that answers
// every request with a fresh instance of one compiled WASI command module,
// by the WAGI convention (CGI over WASI preview 1). The request reaches the
// guest as CGI environment variables (REQUEST_METHOD, PATH_INFO,
// QUERY_STRING, HTTP_*...), its query parameters as arguments and its body
// on stdin; the guest writes the response to stdout, headers first
// ("Content-Type: text/plain", optionally "Status: 404 Not Found" or
// "Location: /elsewhere"), then an empty line, then the body.
//
// Each request runs in a store of its own with the limits of `run` (time,
// memory, fuel, stack): a guest that traps, exits with a non-zero status,
// runs out of time or writes more than `maxResponseBytes` gets a 500 and
// affects no other request. One thread per connection, at most
// `maxConnections` at once. Built on GNU libmicrohttpd. docs/embedding.md
// explains it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kiln/kiln.hpp"

namespace kiln {

struct ServeOptions {
  // Where to listen: "HOST:PORT", "[IPv6]:PORT"; port 0 picks a free port
  // (Server::port says which).
  std::string listen = "127.0.0.1:8080";
  // Connections served at once (each may run one instance); more wait in
  // the kernel's accept queue.
  unsigned maxConnections = 1000;
  // Per request: store limits, fuel and the timeout, which covers the
  // instance's whole run.
  RunOptions run;
  // Added to every request's environment before the CGI variables, and
  // preopened directories (docs/wasi.md).
  std::vector<std::string> env;
  std::vector<WasiPreopen> preopens;
  // argv[0] of the guest.
  std::string programName = "handler";
  // Larger request bodies get 413, larger responses 500.
  uint64_t maxRequestBytes = uint64_t{16} << 20;
  uint64_t maxResponseBytes = uint64_t{64} << 20;
  // An idle connection is closed after this many seconds.
  unsigned idleTimeoutSeconds = 30;
  // Receives one access-log line per request (without the newline), from
  // any thread, one call at a time. Empty: no log.
  std::function<void(const std::string&)> log;
};

class Server {
 public:
  // Starts listening and serving on threads of its own. Returns nullptr,
  // with the reason in *error, when the address is malformed or cannot be
  // bound. `module` must outlive the server.
  static std::unique_ptr<Server> start(const kiln_module_desc* module, const ServeOptions& options,
                                       std::string* error);
  ~Server();  // stop()
  // The port it listens on.
  uint16_t port() const;
  // Requests answered so far.
  uint64_t requests() const;
  // Stops accepting connections, lets the requests in flight finish (each
  // is bounded by the timeout, if any) and closes every connection.
  void stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One request's response by the WAGI rules, from what the guest wrote to
// stdout: the status, the headers to send, and the body. nullopt (with
// *error) when the output has no header block or neither Content-Type
// nor Location.
struct WagiResponse {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};
std::optional<WagiResponse> parseWagiResponse(std::string_view output, std::string* error);

}  // namespace kiln
