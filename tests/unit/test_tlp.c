/* Unit tests for tlp.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "tlp.h"

static enum tlp
find(const char *s)
{
	return tlp_find(s, strlen(s));
}

static void
t_labels(void **state)
{
	(void)state;
	assert_int_equal(find("TLP:RED"), TLP_RED);
	assert_int_equal(find("TLP:AMBER+STRICT"), TLP_AMBER_STRICT);
	assert_int_equal(find("TLP:AMBER"), TLP_AMBER);
	assert_int_equal(find("TLP:GREEN"), TLP_GREEN);
	assert_int_equal(find("TLP:CLEAR"), TLP_CLEAR);
	assert_int_equal(find("TLP:WHITE"), TLP_CLEAR);
}

static void
t_variants(void **state)
{
	(void)state;
	assert_int_equal(find("tlp:amber"), TLP_AMBER);
	assert_int_equal(find("Classification: TLP: Green."), TLP_GREEN);
	assert_int_equal(find("TLP-AMBER"), TLP_AMBER);
	assert_int_equal(find("TLP_RED"), TLP_RED);
	assert_int_equal(find("TLP:AMBER + STRICT"), TLP_AMBER_STRICT);
	assert_int_equal(find("TLP:amber+strict)"), TLP_AMBER_STRICT);
	assert_int_equal(find("[TLP:RED]"), TLP_RED);
	assert_int_equal(find("TLP:\tCLEAR\n"), TLP_CLEAR);
	assert_int_equal(find("TLP:AMBER+"), TLP_AMBER);
	assert_int_equal(find("TLP:AMBER+STRICTLY"), TLP_AMBER);
	assert_int_equal(find("TLP:AMBER+ sTrIcT"), TLP_AMBER_STRICT);
}

static void
t_boundaries(void **state)
{
	(void)state;
	assert_int_equal(find("TLP:REDACTED"), TLP_NONE);
	assert_int_equal(find("TLP:GREENISH"), TLP_NONE);
	assert_int_equal(find("TLP:WHITEWASH TLP:AMBERS"), TLP_NONE);
	assert_int_equal(find("XTLP:RED"), TLP_NONE);
	assert_int_equal(find("TLPRED"), TLP_NONE);
	assert_int_equal(find("TLP RED"), TLP_NONE);
	assert_int_equal(find("TLP:"), TLP_NONE);
	assert_int_equal(find("TLP"), TLP_NONE);
	assert_int_equal(find("TL"), TLP_NONE);
	assert_int_equal(find(""), TLP_NONE);
	assert_int_equal(tlp_find(NULL, 0), TLP_NONE);
	assert_int_equal(find("TLP:RED2"), TLP_RED);
	assert_int_equal(find("x TLP:GREEN"), TLP_GREEN);
	/* Not NUL-terminated: the length is honoured. */
	assert_int_equal(tlp_find("TLP:REDACTED", 7), TLP_RED);
	assert_int_equal(tlp_find("TLP:GREEN", 8), TLP_NONE);
}

static void
t_precedence(void **state)
{
	(void)state;
	assert_int_equal(find("TLP:CLEAR TLP:GREEN"), TLP_GREEN);
	assert_int_equal(find("TLP:GREEN and TLP:AMBER"), TLP_AMBER);
	assert_int_equal(find("TLP:AMBER TLP:AMBER+STRICT TLP:GREEN"),
	    TLP_AMBER_STRICT);
	assert_int_equal(find("TLP:RED ... TLP:CLEAR"), TLP_RED);
	assert_int_equal(find("TLP:WHITE, TLP:RED, TLP:AMBER"), TLP_RED);
	assert_int_equal(tlp_max(TLP_GREEN, TLP_AMBER), TLP_AMBER);
	assert_int_equal(tlp_max(TLP_RED, TLP_NONE), TLP_RED);
}

static void
t_none(void **state)
{
	(void)state;
	assert_int_equal(find("No marking here. Red amber green."), TLP_NONE);
	assert_int_equal(find("TLP version 2.0"), TLP_NONE);
}

static void
t_names(void **state)
{
	(void)state;
	assert_null(tlp_name(TLP_NONE));
	assert_string_equal(tlp_name(TLP_CLEAR), "CLEAR");
	assert_string_equal(tlp_name(TLP_GREEN), "GREEN");
	assert_string_equal(tlp_name(TLP_AMBER), "AMBER");
	assert_string_equal(tlp_name(TLP_AMBER_STRICT), "AMBER+STRICT");
	assert_string_equal(tlp_name(TLP_RED), "RED");
}

static void
t_parse(void **state)
{
	enum tlp	 t = TLP_NONE;

	(void)state;
	assert_int_equal(tlp_parse("red", &t), 0);
	assert_int_equal(t, TLP_RED);
	assert_int_equal(tlp_parse("TLP:amber", &t), 0);
	assert_int_equal(t, TLP_AMBER);
	assert_int_equal(tlp_parse("AMBER+STRICT", &t), 0);
	assert_int_equal(t, TLP_AMBER_STRICT);
	assert_int_equal(tlp_parse("tlp: amber + strict", &t), 0);
	assert_int_equal(t, TLP_AMBER_STRICT);
	assert_int_equal(tlp_parse("white", &t), 0);
	assert_int_equal(t, TLP_CLEAR);
	assert_int_equal(tlp_parse(" Green ", &t), 0);
	assert_int_equal(t, TLP_GREEN);
	assert_int_equal(tlp_parse("CLEAR", &t), 0);
	assert_int_equal(t, TLP_CLEAR);
	t = TLP_GREEN;
	assert_int_equal(tlp_parse("", &t), -1);
	assert_int_equal(tlp_parse("purple", &t), -1);
	assert_int_equal(tlp_parse("redx", &t), -1);
	assert_int_equal(tlp_parse("red green", &t), -1);
	assert_int_equal(tlp_parse("amber+strict+", &t), -1);
	assert_int_equal(tlp_parse("TLP:", &t), -1);
	assert_int_equal(tlp_parse(NULL, &t), -1);
	assert_int_equal(t, TLP_GREEN);
}

static void
t_linear(void **state)
{
	size_t	 n = 32u * 1024 * 1024, i;
	char	*s;
	clock_t	 c0;

	(void)state;
	s = malloc(n);
	assert_non_null(s);
	/* Worst case: "TLP:AMBER +" everywhere, no STRICT. */
	for (i = 0; i < n; i++)
		s[i] = "TLP:AMBER + "[i % 12];
	memcpy(s + n - 8, " TLP:RED", 8);
	c0 = clock();
	assert_int_equal(tlp_find(s, n), TLP_RED);
	assert_true((double)(clock() - c0) / CLOCKS_PER_SEC < 10.0);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_labels),
		cmocka_unit_test(t_variants),
		cmocka_unit_test(t_boundaries),
		cmocka_unit_test(t_precedence),
		cmocka_unit_test(t_none),
		cmocka_unit_test(t_names),
		cmocka_unit_test(t_parse),
		cmocka_unit_test(t_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
