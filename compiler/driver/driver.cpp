#include "driver/driver.h"

namespace kiln::driver {
int main(int, char**) { return 1; }
}  // namespace kiln::driver
