// kiln serve: one fresh instance per HTTP request, by the WAGI convention
// (include/kiln/serve.h). GNU libmicrohttpd does HTTP, with one thread per
// connection: a request's guest runs on its connection's thread, so a slow
// or runaway guest holds up nothing but its own connection.
#include "kiln/serve.h"
#include "rt_text.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace kiln {
namespace {

// What one request has gathered before it runs.
struct Request {
  std::string uri;  // as sent: path, then ?query
  std::string body;
  bool tooLarge = false;
  bool headersRead = false;  // the first call (headers only) has been seen
  bool inFlight = false;     // counted in Impl::inFlight until MHD completes it
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

// A query component with %XX and '+' decoded.
std::string urlDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && rt::hexDigitValue(text[i + 1]) >= 0 &&
               rt::hexDigitValue(text[i + 2]) >= 0) {
      out += static_cast<char>(rt::hexDigitValue(text[i + 1]) * 16 + rt::hexDigitValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// "HOST:PORT" or "[V6]:PORT" as a socket address.
bool parseListen(const std::string& text, sockaddr_storage* address, std::string* error) {
  std::memset(address, 0, sizeof *address);
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) {
    *error = "--listen expects HOST:PORT, not '" + text + "'";
    return false;
  }
  std::string host = text.substr(0, colon), portText = text.substr(colon + 1);
  char* end = nullptr;
  unsigned long port = std::strtoul(portText.c_str(), &end, 10);
  if (*end || port > 65535) {
    *error = "--listen: '" + portText + "' is not a port (0 to 65535)";
    return false;
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(address);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &v6->sin6_addr) == 1) return true;
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(address);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    if (host == "localhost") host = "127.0.0.1";
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) return true;
  }
  *error = "--listen: '" + host + "' is not an IP address (e.g. 127.0.0.1, 0.0.0.0, [::1])";
  return false;
}

std::string addressText(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (!address) return text;
  if (address->sa_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text, sizeof text);
  else if (address->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text, sizeof text);
  return text;
}

}  // namespace

std::optional<WagiResponse> parseWagiResponse(std::string_view output, std::string* error) {
  // The header block ends at the first empty line (LF or CRLF).
  size_t end = std::string_view::npos, bodyAt = 0;
  for (size_t i = 0; i < output.size(); ++i) {
    if (output[i] != '\n') continue;
    size_t next = i + 1;
    if (next < output.size() && output[next] == '\n') {
      end = i;
      bodyAt = next + 1;
      break;
    }
    if (next + 1 < output.size() && output[next] == '\r' && output[next + 1] == '\n') {
      end = i;
      bodyAt = next + 2;
      break;
    }
  }
  if (end == std::string_view::npos) {
    *error = "the handler wrote no header block (headers, then an empty line, then the body)";
    return std::nullopt;
  }
  WagiResponse response;
  bool status = false, type = false, location = false;
  std::string_view block = output.substr(0, end);
  while (!block.empty()) {
    size_t nl = block.find('\n');
    std::string_view line = trim(block.substr(0, nl));
    block = nl == std::string_view::npos ? std::string_view() : block.substr(nl + 1);
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      *error = "the handler wrote a header line without a name: '" + std::string(line.substr(0, 80)) + "'";
      return std::nullopt;
    }
    std::string name = rt::asciiLowered(trim(line.substr(0, colon)));
    std::string_view value = trim(line.substr(colon + 1));
    if (name == "status") {
      unsigned code = 0;
      size_t digits = 0;
      while (digits < value.size() && digits < 3 && value[digits] >= '0' && value[digits] <= '9')
        code = code * 10 + static_cast<unsigned>(value[digits++] - '0');
      bool more = value.size() > 3 && value[3] >= '0' && value[3] <= '9';
      if (digits != 3 || more || code < 100 || code > 599) {
        *error = "the handler's Status header is not a status code: '" + std::string(value.substr(0, 40)) + "'";
        return std::nullopt;
      }
      response.status = code;
      status = true;
      continue;
    }
    // Framing is the server's business.
    if (name == "content-length" || name == "transfer-encoding" || name == "connection") continue;
    if (name == "content-type") type = true;
    if (name == "location") location = true;
    response.headers.emplace_back(std::string(trim(line.substr(0, colon))), std::string(value));
  }
  if (!type && !location) {
    *error = "the handler's response has neither a Content-Type nor a Location header";
    return std::nullopt;
  }
  if (location && !status) response.status = 302;
  response.body = std::string(output.substr(bodyAt));
  return response;
}

struct Server::Impl {
  const kiln_module_desc* module = nullptr;
  ServeOptions options;
  MHD_Daemon* daemon = nullptr;
  uint16_t port = 0;
  std::atomic<uint64_t> answered{0};
  std::mutex logLock;
  // Requests running a guest or sending its answer (stop waits for them).
  std::mutex flightLock;
  std::condition_variable flightDone;
  unsigned inFlight = 0;
  bool stopped = false;

  void log(const std::string& line) {
    if (!options.log) return;
    std::lock_guard<std::mutex> hold(logLock);
    options.log(line);
  }

  static void* onUri(void* self, const char* uri, MHD_Connection*) {
    (void)self;
    auto* request = new Request;
    request->uri = uri ? uri : "/";
    return request;
  }

  // MHD has sent the response (or given up on the connection): only now may
  // stop() close the connections, or the answer of a request in flight is
  // lost (curl saw an empty reply when this happened as answer() returned).
  static void onCompleted(void* self, MHD_Connection*, void** state, MHD_RequestTerminationCode) {
    auto* request = static_cast<Request*>(*state);
    if (request && request->inFlight) {
      auto* impl = static_cast<Impl*>(self);
      std::lock_guard<std::mutex> hold(impl->flightLock);
      if (--impl->inFlight == 0) impl->flightDone.notify_all();
    }
    delete request;
    *state = nullptr;
  }

  static MHD_Result onRequest(void* self, MHD_Connection* connection, const char* url, const char* method,
                             const char* version, const char* upload, size_t* uploadSize, void** state) {
    auto* impl = static_cast<Impl*>(self);
    auto* request = static_cast<Request*>(*state);
    if (!request) return MHD_NO;  // onUri always makes one
    if (!request->headersRead) {  // the body, if any, comes in the next calls
      request->headersRead = true;
      return MHD_YES;
    }
    if (*uploadSize) {
      if (request->body.size() + *uploadSize > impl->options.maxRequestBytes)
        request->tooLarge = true;
      else
        request->body.append(upload, *uploadSize);
      *uploadSize = 0;
      return MHD_YES;
    }
    return impl->answer(connection, url, method, version, *request);
  }

  MHD_Result send(MHD_Connection* connection, unsigned status, const std::string& body,
                  const std::vector<std::pair<std::string, std::string>>& headers) {
    MHD_Response* response =
        MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
    if (!response) return MHD_NO;
    for (const auto& [name, value] : headers) MHD_add_response_header(response, name.c_str(), value.c_str());
    MHD_Result queued = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    answered.fetch_add(1, std::memory_order_relaxed);
    return queued;
  }

  MHD_Result answer(MHD_Connection* connection, const char* url, const char* method, const char* version,
                    Request& request) {
    auto started = std::chrono::steady_clock::now();
    const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    std::string remote = addressText(info ? info->client_addr : nullptr);
    std::string requestLine = std::string(method) + " " + request.uri + " " + version;
    auto logLine = [&](unsigned status, size_t bytes, const std::string& note) {
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      char timing[32];
      std::snprintf(timing, sizeof timing, "%.1fms", ms);
      log(remote + " \"" + requestLine + "\" " + std::to_string(status) + " " + std::to_string(bytes) + " " +
          timing + (note.empty() ? "" : " " + note));
    };
    const std::vector<std::pair<std::string, std::string>> textPlain = {{"Content-Type", "text/plain"}};
    if (request.tooLarge) {
      logLine(413, 0, "request body over " + std::to_string(options.maxRequestBytes) + " bytes");
      return send(connection, 413, "request body too large\n", textPlain);
    }
    {
      std::lock_guard<std::mutex> hold(flightLock);
      if (stopped) {
        logLine(503, 0, "shutting down");
        return send(connection, 503, "shutting down\n", textPlain);
      }
      ++inFlight;
      request.inFlight = true;  // onCompleted counts it out
    }

    // The CGI environment (RFC 3875) with WAGI's additions.
    std::string path = url ? url : "/";
    size_t q = request.uri.find('?');
    std::string query = q == std::string::npos ? "" : request.uri.substr(q + 1);
    std::string rawPath = request.uri.substr(0, q);
    WasiOptions wasi;
    wasi.env = options.env;
    auto setEnv = [&](const std::string& key, const std::string& value) { wasi.env.push_back(key + "=" + value); };
    setEnv("GATEWAY_INTERFACE", "CGI/1.1");
    setEnv("SERVER_SOFTWARE", "kiln");
    setEnv("SERVER_PROTOCOL", version);
    setEnv("SERVER_PORT", std::to_string(port));
    setEnv("REQUEST_METHOD", method);
    setEnv("SCRIPT_NAME", "");
    setEnv("PATH_INFO", path);
    setEnv("PATH_TRANSLATED", path);
    setEnv("X_RAW_PATH_INFO", rawPath);
    setEnv("X_MATCHED_ROUTE", "/...");
    setEnv("QUERY_STRING", query);
    setEnv("REMOTE_ADDR", remote);
    setEnv("REMOTE_HOST", remote);
    setEnv("CONTENT_LENGTH", std::to_string(request.body.size()));
    struct HeaderEnv {
      WasiOptions* wasi;
      std::string host;
    } headerEnv{&wasi, {}};
    MHD_get_connection_values(
        connection, MHD_HEADER_KIND,
        [](void* cls, MHD_ValueKind, const char* key, const char* value) -> MHD_Result {
          auto* out = static_cast<HeaderEnv*>(cls);
          std::string name;
          for (const char* c = key; *c; ++c)
            name += *c == '-' ? '_' : (*c >= 'a' && *c <= 'z') ? static_cast<char>(*c - 'a' + 'A') : *c;
          std::string text = value ? value : "";
          if (name == "CONTENT_LENGTH") return MHD_YES;  // set above, from the body received
          if (name == "CONTENT_TYPE")
            out->wasi->env.push_back("CONTENT_TYPE=" + text);
          else
            out->wasi->env.push_back("HTTP_" + name + "=" + text);
          if (name == "HOST") out->host = text;
          return MHD_YES;
        },
        &headerEnv);
    std::string host = headerEnv.host.empty() ? "localhost" : headerEnv.host;
    setEnv("SERVER_NAME", host.substr(0, host.rfind(':') == std::string::npos || host.back() == ']'
                                             ? host.size()
                                             : host.rfind(':')));
    setEnv("X_FULL_URL", "http://" + host + request.uri);
    wasi.args.push_back(options.programName);
    for (size_t at = 0; !query.empty() && at <= query.size();) {
      size_t amp = query.find('&', at);
      std::string_view part = std::string_view(query).substr(at, amp == std::string::npos ? std::string::npos : amp - at);
      if (!part.empty()) wasi.args.push_back(urlDecode(part));
      if (amp == std::string::npos) break;
      at = amp + 1;
    }
    wasi.preopens = options.preopens;

    std::string output, errors;
    bool overflow = false;
    WasiStdio stdio;
    stdio.input = std::move(request.body);
    uint64_t limit = options.maxResponseBytes;
    stdio.output = [&](std::string_view bytes) {
      if (output.size() + bytes.size() > limit) {
        overflow = true;
        return false;
      }
      output.append(bytes);
      return true;
    };
    // The guest's stderr: the first line goes into the log line of a
    // failed request.
    stdio.errors = [&](std::string_view bytes) {
      if (errors.size() < 512) errors.append(bytes.substr(0, 512 - errors.size()));
      return true;
    };
    wasi.stdio = std::move(stdio);

    WasiCommandResult result = executeWasiCommand(module, wasi, options.run);
    auto failed = [&](const std::string& why) {
      std::string note = why;
      std::string firstError = errors.substr(0, errors.find('\n'));
      if (!firstError.empty()) note += " (stderr: " + firstError + ")";
      logLine(500, 0, note);
      return send(connection, 500, "the handler failed\n", textPlain);
    };
    if (result.trap) {
      std::string report = result.trap->report();
      std::string first = report.substr(0, report.find('\n'));
      if (first.rfind("kiln: ", 0) == 0) first.erase(0, 6);
      return failed(first);
    }
    if (!result.error.empty()) return failed("error: " + result.error);
    if (overflow) return failed("response over " + std::to_string(limit) + " bytes");
    if (result.status != 0) return failed("exit status " + std::to_string(result.status));
    std::string parseError;
    std::optional<WagiResponse> response = parseWagiResponse(output, &parseError);
    if (!response) return failed(parseError);
    logLine(response->status, response->body.size(), "");
    return send(connection, response->status, response->body, response->headers);
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

std::unique_ptr<Server> Server::start(const kiln_module_desc* module, const ServeOptions& options,
                                      std::string* error) {
  auto impl = std::make_unique<Impl>();
  impl->module = module;
  impl->options = options;
  // Instantiation's instance-independent work once, for every request.
  if (!impl->options.run.prepared) {
    impl->options.run.prepared = PreparedModule::prepare(module, error);
    if (!impl->options.run.prepared) return nullptr;
  }
  sockaddr_storage address;
  if (!parseListen(options.listen, &address, error)) return nullptr;
  unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC;
  if (address.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
  impl->daemon = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &Impl::onRequest, impl.get(), MHD_OPTION_SOCK_ADDR,
      reinterpret_cast<sockaddr*>(&address), MHD_OPTION_URI_LOG_CALLBACK, &Impl::onUri, impl.get(),
      MHD_OPTION_NOTIFY_COMPLETED, &Impl::onCompleted, impl.get(), MHD_OPTION_CONNECTION_LIMIT,
      options.maxConnections ? options.maxConnections : 1u, MHD_OPTION_CONNECTION_TIMEOUT,
      options.idleTimeoutSeconds, MHD_OPTION_END);
  if (!impl->daemon) {
    *error = "cannot listen on " + options.listen + " (in use, or not an address of this host?)";
    return nullptr;
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(impl->daemon, MHD_DAEMON_INFO_BIND_PORT);
  impl->port = info ? info->port : 0;
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->port; }

uint64_t Server::requests() const { return impl_->answered.load(std::memory_order_relaxed); }

void Server::stop() {
  if (!impl_ || !impl_->daemon) return;
  // No new connections; requests already running finish (a timeout bounds
  // each), later ones on open connections get 503.
  MHD_socket listener = MHD_quiesce_daemon(impl_->daemon);
  if (listener != MHD_INVALID_SOCKET) ::close(listener);
  {
    std::unique_lock<std::mutex> hold(impl_->flightLock);
    impl_->stopped = true;
    impl_->flightDone.wait(hold, [&] { return impl_->inFlight == 0; });
  }
  MHD_stop_daemon(impl_->daemon);
  impl_->daemon = nullptr;
}

}  // namespace kiln
