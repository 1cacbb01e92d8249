#include "driver/error.h"

#include <cstdio>

namespace kiln::driver {

void printError(const std::string& message) {
  std::string line = "kiln: error: ";
  for (char c : message) {
    if (c == '\n')
      line += "; ";
    else
      line += c;
  }
  while (line.size() > 2 && line.compare(line.size() - 2, 2, "; ") == 0) line.resize(line.size() - 2);
  line += '\n';
  std::fflush(stdout);
  std::fputs(line.c_str(), stderr);
}

}  // namespace kiln::driver
