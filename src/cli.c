/* cli: to be written */
#include "cli.h"
