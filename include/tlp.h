/* Traffic Light Protocol markings (1.0 and 2.0).  Pure. */
#ifndef TLP_H
#define TLP_H

#include <stddef.h>

enum tlp {
	TLP_NONE = 0,
	TLP_CLEAR,		/* also TLP:WHITE */
	TLP_GREEN,
	TLP_AMBER,
	TLP_AMBER_STRICT,
	TLP_RED
};

/* The most restrictive label marked in text ("TLP:AMBER", "TLP: RED", ...). */
enum tlp	 tlp_find(const char *text, size_t len);
/* "CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"; NULL for TLP_NONE. */
const char	*tlp_name(enum tlp);
/* Parse a configured name (case-insensitive, "TLP:" optional, WHITE = CLEAR); -1 if unknown. */
int		 tlp_parse(const char *name, enum tlp *out);
/* The more restrictive of two. */
enum tlp	 tlp_max(enum tlp, enum tlp);

#endif
