/* Unit tests: buf. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "utf8.h"

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

static void
t_addc_ceiling(void **state)
{
	struct buf b;
	int i;

	(void)state;
	buf_init(&b, 70); /* past the first allocation (64) */
	for (i = 0; i < 70; i++)
		assert_int_equal(buf_addc(&b, 'x'), 0);
	assert_int_equal(buf_addc(&b, 'y'), -1);
	assert_int_equal(b.len, 70);
	assert_int_equal(b.p[70], '\0');
	buf_free(&b);
	buf_init(&b, 0);
	assert_int_equal(buf_addc(&b, 'x'), -1);
	buf_free(&b);
}

/*
 * utf8.c (no test program of its own): utf8_clean() copies clean text 16
 * bytes at a time; what it must change, at every offset.
 */
static void
t_utf8_clean(void **state)
{
	static const struct {
		const char *in, *out;
	} c[] = {
	    {"\x01", " "},
	    {"\x7f", " "},
	    {"\t\n", "\t\n"},
	    {"\r", " "},
	    {"\xc3\xa9", "\xc3\xa9"},
	    {"\xff", "\xef\xbf\xbd"},
	    {"\xc3", "\xef\xbf\xbd"},
	    {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
	    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
	    {"\xf4\x90\x80\x80",
	     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
	};
	char in[128], want[128];
	size_t i, k, n, m;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		for (k = 0; k < 40; k++) {
			n = strlen(c[i].in);
			m = strlen(c[i].out);
			memset(in, 'a', k);
			memcpy(in + k, c[i].in, n);
			memset(in + k + n, 'b', 20);
			memset(want, 'a', k);
			memcpy(want + k, c[i].out, m);
			memset(want + k + m, 'b', 20);
			want[k + m + 20] = '\0';
			s = utf8_clean(in, k + n + 20);
			assert_non_null(s);
			assert_string_equal(s, want);
			free(s);
		}
	s = utf8_clean("a\0b", 3);
	assert_non_null(s);
	assert_string_equal(s, "a b");
	free(s);
}

static void
t_utf8_decode(void **state)
{
	uint32_t cp = 0;

	(void)state;
	assert_int_equal(utf8_decode((const unsigned char *)"A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(utf8_decode((const unsigned char *)"A", 0, &cp), 0);
	assert_int_equal(utf8_len((const unsigned char *)"\xc3\xa9", 2), 2);
	assert_int_equal(utf8_decode((const unsigned char *)"\xc3\xa9", 2, &cp),
			 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(utf8_len((const unsigned char *)"\xc3\xa9", 1), 0);
	assert_int_equal(utf8_len((const unsigned char *)"\xc0\x80", 2), 0);
	assert_int_equal(utf8_len((const unsigned char *)"\xe0\x80\x80", 3), 0);
	assert_int_equal(utf8_len((const unsigned char *)"\xed\xa0\x80", 3), 0);
	assert_int_equal(
	    utf8_decode((const unsigned char *)"\xf4\x8f\xbf\xbf", 4, &cp), 4);
	assert_int_equal(cp, 0x10ffff);
	assert_int_equal(utf8_len((const unsigned char *)"\xf4\x90\x80\x80", 4),
			 0);
	assert_int_equal(utf8_len((const unsigned char *)"\x80", 1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_append_and_terminate),
	    cmocka_unit_test(t_ceiling),
	    cmocka_unit_test(t_steal_empty),
	    cmocka_unit_test(t_growth),
	    cmocka_unit_test(t_addc_ceiling),
	    cmocka_unit_test(t_utf8_clean),
	    cmocka_unit_test(t_utf8_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
