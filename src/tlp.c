/* tlp: to be written */
#include "tlp.h"
