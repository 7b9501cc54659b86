/* run: to be written */
#include "run.h"
