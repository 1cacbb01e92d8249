#include "wasm/reader.h"
