#include "status.h"

const char *
status_str(enum status st)
{
	switch (st) {
	case ST_OK:
		return "ok";
	case ST_MSG_BAD:
		return "message rejected";
	case ST_TEMP:
		return "temporary failure";
	case ST_AUTH:
		return "authentication refused";
	case ST_CONFIG:
		return "configuration error";
	case ST_USAGE:
		return "usage error";
	case ST_NOMEM:
		return "out of memory or over a limit";
	case ST_IO:
		return "local I/O error";
	}
	return "unknown status";
}
