/* log: to be written */
#include "log.h"
