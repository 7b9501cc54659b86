/* config: to be written */
#include "config.h"
