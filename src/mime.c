/* mime: to be written */
#include "mime.h"
