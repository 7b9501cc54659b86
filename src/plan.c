/* plan: to be written */
#include "plan.h"
