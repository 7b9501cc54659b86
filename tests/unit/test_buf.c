/* Unit tests: buf. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"

static void
t_append_and_terminate(void **state)
{
	struct buf b;
	char *s;

	(void)state;
	buf_init(&b, 100);
	assert_int_equal(buf_adds(&b, "abc"), 0);
	assert_int_equal(buf_addc(&b, 'd'), 0);
	assert_int_equal(buf_addf(&b, "-%d-%s", 42, "x"), 0);
	assert_int_equal(b.len, 9);
	assert_string_equal(b.p, "abcd-42-x");
	s = buf_steal(&b);
	assert_string_equal(s, "abcd-42-x");
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	free(s);
}

static void
t_ceiling(void **state)
{
	struct buf b;
	char big[64];

	(void)state;
	memset(big, 'a', sizeof(big));
	buf_init(&b, 10);
	assert_int_equal(buf_add(&b, big, 10), 0);
	assert_int_equal(buf_add(&b, big, 1), -1);
	assert_int_equal(buf_addf(&b, "%s", "x"), -1);
	assert_int_equal(b.len, 10); /* a failed append leaves it alone */
	buf_free(&b);
	buf_init(&b, 10);
	assert_int_equal(buf_add(&b, big, (size_t)-1), -1);
	assert_int_equal(buf_add(&b, big, 11), -1);
	buf_free(&b);
}

static void
t_steal_empty(void **state)
{
	struct buf b;
	char *s;

	(void)state;
	buf_init(&b, 10);
	s = buf_steal(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	buf_free(&b); /* freeing twice is fine */
	buf_free(&b);
}

static void
t_growth(void **state)
{
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b, 1 << 20);
	for (i = 0; i < 100000; i++)
		assert_int_equal(buf_addc(&b, (char)('a' + i % 26)), 0);
	assert_int_equal(b.len, 100000);
	assert_int_equal(b.p[99999], 'a' + 99999 % 26);
	assert_int_equal(b.p[100000], '\0');
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_append_and_terminate),
	    cmocka_unit_test(t_ceiling),
	    cmocka_unit_test(t_steal_empty),
	    cmocka_unit_test(t_growth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
