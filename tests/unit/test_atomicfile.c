/* Unit tests: atomicfile. */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "atomicfile.h"

static char dir[] = "/tmp/tq-atomicfile.XXXXXX";

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
slurp(const char *path, char *out, size_t outsz)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(out, 1, outsz - 1, f);
	out[n] = '\0';
	fclose(f);
}

static void
t_write_then_replace(void **state)
{
	char path[256], got[64], err[256];
	struct stat sb;

	(void)state;
	snprintf(path, sizeof(path), "%s/a.state", dir);
	assert_int_equal(atomicfile_write(path, "first\n", 6, err, sizeof(err)),
			 ST_OK);
	slurp(path, got, sizeof(got));
	assert_string_equal(got, "first\n");
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(atomicfile_write(path, "second", 6, err, sizeof(err)),
			 ST_OK);
	slurp(path, got, sizeof(got));
	assert_string_equal(got, "second");
}

static void
t_missing_directory_named(void **state)
{
	char path[256], err[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/no/such/x", dir);
	assert_int_equal(atomicfile_write(path, "x", 1, err, sizeof(err)),
			 ST_IO);
	assert_non_null(strstr(err, "/no/such/x.tmp"));
	assert_non_null(strstr(err, "No such file"));
}

static void
t_symlink_replaced_not_followed(void **state)
{
	char path[256], target[256], got[64], err[256];
	struct stat sb;

	(void)state;
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(path, sizeof(path), "%s/link", dir);
	assert_int_equal(atomicfile_write(target, "keep", 4, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(atomicfile_write(path, "new", 3, err, sizeof(err)),
			 ST_OK);
	slurp(target, got, sizeof(got));
	assert_string_equal(got, "keep");
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
}

static void
t_dir_of(void **state)
{
	char *d;

	(void)state;
	assert_string_equal(d = atomicfile_dir_of("a/b/c.ini"), "a/b");
	free(d);
	assert_string_equal(d = atomicfile_dir_of("c.ini"), ".");
	free(d);
	assert_string_equal(d = atomicfile_dir_of("/c.ini"), "/");
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_write_then_replace),
	    cmocka_unit_test(t_missing_directory_named),
	    cmocka_unit_test(t_symlink_replaced_not_followed),
	    cmocka_unit_test(t_dir_of),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
