#include "driver/serve_command.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>

#include "driver/error.h"
#include "driver/run_command.h"
#include "kiln/serve.h"

namespace kiln::driver {

int serveCommand(const Options& options) {
  checkGrantedDirectories(options);
  const kiln_module_desc* module = loadModule(options);

  ServeOptions serve;
  serve.listen = options.listen;
  serve.maxConnections = options.instances;
  serve.run = runOptions(options);
  serve.env = guestEnvironment(options);
  serve.preopens = options.dirs;
  serve.programName = options.input;
  serve.maxRequestBytes = options.maxRequestBytes;
  serve.maxResponseBytes = options.maxResponseBytes;
  if (!options.quiet)
    serve.log = [](const std::string& line) {
      std::fprintf(stderr, "%s\n", line.c_str());
      std::fflush(stderr);
    };

  // SIGTERM and SIGINT end the server, read here by sigwait: block them
  // before any thread starts, so that every thread inherits the mask and
  // none is interrupted. SIGPIPE: a client that hangs up must not kill
  // the server.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
  sigdelset(&stopSignals, SIGPIPE);

  std::string error;
  std::unique_ptr<Server> server = Server::start(module, serve, &error);
  if (!server) throw DriverError(error);
  std::string host = options.listen.substr(0, options.listen.rfind(':'));
  std::fprintf(stderr, "kiln serve: %s on http://%s:%u/ (SIGTERM or Ctrl-C stops)\n", options.input.c_str(),
               host.c_str(), server->port());
  std::fflush(stderr);

  int signal = 0;
  sigwait(&stopSignals, &signal);
  std::fprintf(stderr, "kiln serve: %s: finishing the requests in flight\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
  std::fflush(stderr);
  server->stop();
  std::fprintf(stderr, "kiln serve: stopped after %llu requests\n",
               static_cast<unsigned long long>(server->requests()));
  return 0;
}

}  // namespace kiln::driver
