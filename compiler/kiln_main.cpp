#include "driver/driver.h"

int main(int argc, char** argv) { return kiln::driver::main(argc, argv); }
