#include "kiln/kiln.h"
