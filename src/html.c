/* html: to be written */
#include "html.h"
