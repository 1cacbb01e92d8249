// How the driver reports failure: a one-line message and an exit status,
// thrown from anywhere below main() and printed once as "kiln: error: ...".
#pragma once

#include <stdexcept>
#include <string>

namespace kiln::driver {

inline constexpr int kExitFailure = 1;  // the command failed
inline constexpr int kExitUsage = 2;    // the command line was wrong

class DriverError : public std::runtime_error {
 public:
  explicit DriverError(const std::string& message, int exitStatus = kExitFailure)
      : std::runtime_error(message), exitStatus_(exitStatus) {}
  int exitStatus() const { return exitStatus_; }

 private:
  int exitStatus_;
};

// A command line that parsed but makes no sense (exit status 2).
inline DriverError usageError(const std::string& message) { return DriverError(message, kExitUsage); }

// Prints "kiln: error: <message>" as one line on stderr (newlines in the
// message become "; ").
void printError(const std::string& message);

}  // namespace kiln::driver
