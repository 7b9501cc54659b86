/* Traffic Light Protocol markings (1.0 and 2.0).  Pure. */
#ifndef TLP_H
#define TLP_H

#include <stddef.h>

/*
 * The labels.  TLP_WHITE (TLP 1.0) and TLP_CLEAR (TLP 2.0) are distinct
 * values, so the label found is the label reported, but they are equally
 * restrictive.  Compare restrictiveness with tlp_rank() or tlp_max(), never
 * with < or > on the values.
 */
enum tlp {
	TLP_NONE = 0,
	TLP_CLEAR,
	TLP_WHITE, /* TLP 1.0 name; same rank as TLP_CLEAR */
	TLP_GREEN,
	TLP_AMBER,
	TLP_AMBER_STRICT,
	TLP_RED
};

/*
 * The most restrictive label marked in text ("TLP:AMBER", "TLP: RED",
 * "Traffic Light Protocol (TLP): GREEN", "[TLP AMBER]", ...), ignoring
 * text that explains TLP (a legend of labels); TLP_NONE if unmarked.
 * Of equally restrictive labels (WHITE, CLEAR), the first found.
 */
enum tlp tlp_find(const char *text, size_t len);
/*
 * "CLEAR", "WHITE", "GREEN", "AMBER", "AMBER+STRICT", "RED"; NULL for
 * TLP_NONE.
 */
const char *tlp_name(enum tlp);
/*
 * Parse a configured name (case-insensitive, "TLP:" optional); "WHITE"
 * gives TLP_WHITE.  -1 if unknown.
 */
int tlp_parse(const char *name, enum tlp *out);
/* Restrictiveness: 0 for TLP_NONE, CLEAR and WHITE 1, ... RED 5. */
int tlp_rank(enum tlp);
/* The more restrictive of two; a if they rank the same (WHITE vs CLEAR). */
enum tlp tlp_max(enum tlp a, enum tlp b);

#endif
