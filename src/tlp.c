/*
 * Traffic Light Protocol markings.  A marking is "TLP", a separator (':',
 * '-' or '_'), optional blanks, then a label that ends at a non-letter:
 * "TLP:AMBER", "TLP: red", "TLP-GREEN", "TLP:AMBER+STRICT",
 * "TLP:AMBER + STRICT".  "TLP:REDACTED" and "TLP:GREENISH" mark nothing.
 * One pass over the input: linear time.
 */
#include <stddef.h>
#include <string.h>

#include "tlp.h"

static const struct {
	const char	*word;
	enum tlp	 tlp;
} labels[] = {
	{ "RED",	TLP_RED },
	{ "AMBER",	TLP_AMBER },
	{ "GREEN",	TLP_GREEN },
	{ "CLEAR",	TLP_CLEAR },
	{ "WHITE",	TLP_CLEAR },
};

static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static unsigned char
up(unsigned char c)
{
	return (c >= 'a' && c <= 'z') ? (unsigned char)(c - 'a' + 'A') : c;
}

/* Does s[0..len) start with the upper-case word w, case-insensitively? */
static int
starts(const char *s, size_t len, const char *w)
{
	size_t	 i, n = strlen(w);

	if (len < n)
		return 0;
	for (i = 0; i < n; i++)
		if (up((unsigned char)s[i]) != (unsigned char)w[i])
			return 0;
	return 1;
}

/*
 * The label at s[0..len) (just after the separator and blanks), or
 * TLP_NONE; *used is its length.  Only a bounded prefix is looked at.
 */
static enum tlp
label_at(const char *s, size_t len, size_t *used)
{
	size_t	 i, n, j;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		if (!starts(s, len, labels[i].word))
			continue;
		n = strlen(labels[i].word);
		if (n < len && is_alpha((unsigned char)s[n]))
			continue;
		*used = n;
		if (labels[i].tlp != TLP_AMBER)
			return labels[i].tlp;
		/* AMBER+STRICT, with optional blanks around '+'. */
		j = n;
		while (j < len && j - n < 4 && is_blank((unsigned char)s[j]))
			j++;
		if (j >= len || s[j] != '+')
			return TLP_AMBER;
		j++;
		while (j < len && j - n < 9 && is_blank((unsigned char)s[j]))
			j++;
		if (starts(s + j, len - j, "STRICT") &&
		    (j + 6 >= len || !is_alpha((unsigned char)s[j + 6]))) {
			*used = j + 6;
			return TLP_AMBER_STRICT;
		}
		return TLP_AMBER;
	}
	return TLP_NONE;
}

enum tlp
tlp_find(const char *text, size_t len)
{
	enum tlp	 best = TLP_NONE, t;
	size_t		 i, j, used = 0;

	if (text == NULL)
		return TLP_NONE;
	for (i = 0; i + 3 < len; i++) {
		if (up((unsigned char)text[i]) != 'T' ||
		    !starts(text + i, len - i, "TLP"))
			continue;
		/* "TLP" must not end a longer word ("XTLP:RED"). */
		if (i > 0 && is_alpha((unsigned char)text[i - 1]))
			continue;
		j = i + 3;
		if (text[j] != ':' && text[j] != '-' && text[j] != '_')
			continue;
		j++;
		while (j < len && j - i < 8 && is_blank((unsigned char)text[j]))
			j++;
		t = label_at(text + j, len - j, &used);
		best = tlp_max(best, t);
		if (best == TLP_RED)
			break;
	}
	return best;
}

const char *
tlp_name(enum tlp t)
{
	switch (t) {
	case TLP_NONE:		return NULL;
	case TLP_CLEAR:		return "CLEAR";
	case TLP_GREEN:		return "GREEN";
	case TLP_AMBER:		return "AMBER";
	case TLP_AMBER_STRICT:	return "AMBER+STRICT";
	case TLP_RED:		return "RED";
	}
	return NULL;
}

int
tlp_parse(const char *name, enum tlp *out)
{
	size_t	 len, used = 0;
	enum tlp t;

	if (name == NULL)
		return -1;
	while (is_blank((unsigned char)*name))
		name++;
	len = strlen(name);
	while (len > 0 && is_blank((unsigned char)name[len - 1]))
		len--;
	if (starts(name, len, "TLP") && len > 3 &&
	    (name[3] == ':' || name[3] == '-' || name[3] == '_')) {
		name += 4;
		len -= 4;
		while (len > 0 && is_blank((unsigned char)*name)) {
			name++;
			len--;
		}
	}
	t = label_at(name, len, &used);
	/* The whole value must be the label. */
	if (t == TLP_NONE || used != len)
		return -1;
	*out = t;
	return 0;
}

enum tlp
tlp_max(enum tlp a, enum tlp b)
{
	return a > b ? a : b;
}
