/* Unit tests: journal (durable steps, replay, compaction, torn lines, lock). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "journal.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_C "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char dir[64];
static char path[128];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_journal.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/inst.journal", dir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct journal *
reopen(struct journal *j)
{
	char err[256];

	journal_close(j);
	assert_int_equal(journal_open(dir, "inst", &j, err, sizeof(err)),
			 ST_OK);
	return j;
}

static void
append_raw(const char *text)
{
	FILE *fp;

	assert_non_null(fp = fopen(path, "a"));
	fputs(text, fp);
	fclose(fp);
}

static void
t_steps_survive_reopen(void **state)
{
	struct journal *j = NULL;
	const struct jentry *e;
	char err[256];

	(void)state;
	j = reopen(NULL);
	assert_null(journal_find(j, 7, 1));
	assert_int_equal(journal_begin(j, 7, 1, SHA_A, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(journal_begin(j, 7, 2, SHA_B, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(journal_done(j, 7, 2, SHA_B, 4242, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(journal_begin(j, 7, 3, SHA_C, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(journal_done(j, 7, 3, SHA_C, 43, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(journal_seen(j, 7, 3, SHA_C, err, sizeof(err)), ST_OK);
	j = reopen(j);
	assert_non_null(e = journal_find(j, 7, 1));
	assert_int_equal(e->state, J_BEGUN);
	assert_int_equal(e->attempts, 1);
	assert_non_null(e = journal_find(j, 7, 2));
	assert_int_equal(e->state, J_DONE);
	assert_int_equal(e->file_id, 4242);
	/* Finished entries are compacted away. */
	assert_null(journal_find(j, 7, 3));
	/* A second attempt adds up across runs. */
	assert_int_equal(journal_begin(j, 7, 1, SHA_A, err, sizeof(err)),
			 ST_OK);
	j = reopen(j);
	assert_int_equal(journal_find(j, 7, 1)->attempts, 2);
	/* Re-keyed by content after a UIDVALIDITY change. */
	assert_non_null(e = journal_find_hash(j, SHA_B));
	assert_int_equal(e->uid, 2);
	assert_null(journal_find(j, 8, 2));
	journal_close(j);
}

static void
t_torn_and_malformed_lines(void **state)
{
	struct journal *j;
	const struct jentry *e;

	(void)state;
	j = reopen(NULL);
	journal_close(j);
	append_raw("D 9 5 " SHA_A " 77\n");
	append_raw("X garbage line\n");
	append_raw("D 9 6 nothex 1\n");
	append_raw("B 9 7 " SHA_B); /* torn: no newline */
	j = reopen(NULL);
	assert_non_null(e = journal_find(j, 9, 5));
	assert_int_equal(e->state, J_DONE);
	assert_null(journal_find(j, 9, 6));
	assert_null(journal_find(j, 9, 7));
	journal_close(j);
}

static void
t_same_uid_new_content(void **state)
{
	struct journal *j;
	const struct jentry *e;
	char err[256];

	(void)state;
	j = reopen(NULL);
	assert_int_equal(journal_begin(j, 1, 1, SHA_A, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(journal_begin(j, 1, 1, SHA_A, err, sizeof(err)),
			 ST_OK);
	/* Another message under the same key starts with no attempts. */
	assert_int_equal(journal_begin(j, 1, 1, SHA_B, err, sizeof(err)),
			 ST_OK);
	assert_non_null(e = journal_find(j, 1, 1));
	assert_string_equal(e->sha256, SHA_B);
	assert_int_equal(e->attempts, 1);
	assert_int_equal(journal_begin(j, 1, 1, "not-a-hash", err, sizeof(err)),
			 ST_IO);
	journal_close(j);
}

static void
t_crash_between_steps(void **state)
{
	struct journal *j;
	const struct jentry *e;
	char err[256];
	pid_t pid;
	int status;

	(void)state;
	j = reopen(NULL);
	journal_close(j);
	if ((pid = fork()) == 0) {
		struct journal *c;

		if (journal_open(dir, "inst", &c, err, sizeof(err)) != ST_OK ||
		    journal_begin(c, 3, 30, SHA_C, err, sizeof(err)) != ST_OK ||
		    journal_done(c, 3, 30, SHA_C, 9, err, sizeof(err)) != ST_OK)
			_exit(1);
		_exit(0); /* killed before \Seen: no journal_seen */
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	j = reopen(NULL);
	assert_non_null(e = journal_find(j, 3, 30));
	assert_int_equal(e->state, J_DONE);
	assert_int_equal(e->file_id, 9);
	journal_close(j);
}

static void
t_quarantine(void **state)
{
	struct journal *j;
	char err[256];

	(void)state;
	j = reopen(NULL);
	assert_int_equal(journal_quarantine(j, 4, 4, SHA_A, err, sizeof(err)),
			 ST_OK);
	j = reopen(j);
	assert_int_equal(journal_find(j, 4, 4)->state, J_QUARANTINED);
	assert_int_equal(journal_seen(j, 4, 4, SHA_A, err, sizeof(err)), ST_OK);
	j = reopen(j);
	assert_null(journal_find(j, 4, 4));
	journal_close(j);
}

static void
t_lock(void **state)
{
	char err[256];
	int fd1, fd2;

	(void)state;
	assert_int_equal(journal_lock(dir, "inst", &fd1, err, sizeof(err)),
			 ST_OK);
	assert_int_equal(journal_lock(dir, "inst", &fd2, err, sizeof(err)),
			 ST_TEMP);
	assert_non_null(strstr(err, "inst.lock"));
	/* Another instance name has its own lock. */
	assert_int_equal(journal_lock(dir, "other", &fd2, err, sizeof(err)),
			 ST_OK);
	close(fd2);
	close(fd1);
	assert_int_equal(journal_lock(dir, "inst", &fd1, err, sizeof(err)),
			 ST_OK);
	close(fd1);
	assert_int_equal(
	    journal_lock("/nonexistent", "inst", &fd1, err, sizeof(err)),
	    ST_IO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(t_steps_survive_reopen, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(t_torn_and_malformed_lines, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(t_same_uid_new_content, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(t_crash_between_steps, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(t_quarantine, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_lock, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
