// The `kiln` command line: a thin layer over the compiler, linker and
// runtime libraries.
#pragma once

namespace kiln::driver {

int main(int argc, char** argv);

}  // namespace kiln::driver
