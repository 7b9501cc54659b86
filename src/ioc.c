/* ioc: to be written */
#include "ioc.h"
