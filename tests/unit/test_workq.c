/* Unit tests: workq. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "workq.h"

struct job {
	int in;
	int out;
	void *ran_with;	   /* the worker context that ran it */
	int sigint_masked; /* in the worker thread */
};

static void
square(void *worker, void *arg)
{
	struct job *j = arg;
	sigset_t cur;

	j->out = j->in * j->in;
	j->ran_with = worker;
	pthread_sigmask(SIG_SETMASK, NULL, &cur);
	j->sigint_masked = sigismember(&cur, SIGINT) == 1;
}

static void
t_every_job_comes_back_done(void **state)
{
	int ctx[3];
	void *workers[3] = {&ctx[0], &ctx[1], &ctx[2]};
	struct job jobs[50], *j;
	struct workq *q;
	char err[128];
	int seen[50] = {0}, i, got = 0;

	(void)state;
	assert_int_equal(
	    workq_start(3, workers, square, 8, &q, err, sizeof(err)), ST_OK);
	for (i = 0; i < 50; i++) {
		memset(&jobs[i], 0, sizeof(jobs[i]));
		jobs[i].in = i;
		/* At most cap out: take one back whenever it is full. */
		while (workq_put(q, &jobs[i]) == -1) {
			assert_int_equal(workq_out(q), 8);
			assert_non_null(j = workq_take(q, 1));
			seen[j->in]++, got++;
		}
	}
	while ((j = workq_take(q, 1)) != NULL)
		seen[j->in]++, got++;
	assert_int_equal(got, 50);
	assert_int_equal(workq_out(q), 0);
	assert_null(workq_take(q, 0));
	for (i = 0; i < 50; i++) {
		assert_int_equal(seen[i], 1);
		assert_int_equal(jobs[i].out, i * i);
		assert_true(jobs[i].ran_with == workers[0] ||
			    jobs[i].ran_with == workers[1] ||
			    jobs[i].ran_with == workers[2]);
		assert_true(jobs[i].sigint_masked);
	}
	workq_stop(q);
}

/*
 * Jobs run at the same time: each waits (bounded) until all n have started,
 * which a queue running them one after another never lets happen.
 */
static pthread_mutex_t meet_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t meet_cv = PTHREAD_COND_INITIALIZER;
static int meet_n;

static void
meet(void *worker, void *arg)
{
	struct job *j = arg;
	struct timespec until;

	(void)worker;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&meet_mu);
	meet_n++;
	pthread_cond_broadcast(&meet_cv);
	while (meet_n < j->in)
		if (pthread_cond_timedwait(&meet_cv, &meet_mu, &until) ==
		    ETIMEDOUT)
			break;
	j->out = meet_n;
	pthread_mutex_unlock(&meet_mu);
}

static void
t_jobs_overlap(void **state)
{
	void *workers[4] = {NULL, NULL, NULL, NULL};
	struct job jobs[4], *j;
	struct workq *q;
	char err[128];
	int i;

	(void)state;
	meet_n = 0;
	assert_int_equal(workq_start(4, workers, meet, 4, &q, err, sizeof(err)),
			 ST_OK);
	for (i = 0; i < 4; i++) {
		jobs[i].in = 4;
		assert_int_equal(workq_put(q, &jobs[i]), 0);
	}
	assert_int_equal(workq_put(q, &jobs[0]), -1);
	for (i = 0; i < 4; i++) {
		assert_non_null(j = workq_take(q, 1));
		assert_int_equal(j->out, 4);
	}
	workq_stop(q);
}

static void
t_stop_runs_what_was_handed_in(void **state)
{
	void *workers[1] = {NULL};
	struct job jobs[5];
	struct workq *q;
	char err[128];
	int i;

	(void)state;
	assert_int_equal(
	    workq_start(1, workers, square, 5, &q, err, sizeof(err)), ST_OK);
	for (i = 0; i < 5; i++) {
		jobs[i].in = i + 2;
		jobs[i].out = 0;
		assert_int_equal(workq_put(q, &jobs[i]), 0);
	}
	workq_stop(q);
	for (i = 0; i < 5; i++)
		assert_int_equal(jobs[i].out, (i + 2) * (i + 2));
}

static void
t_bad_sizes_refused(void **state)
{
	void *workers[2] = {NULL, NULL};
	struct workq *q = (struct workq *)1;
	char err[128];

	(void)state;
	assert_int_equal(
	    workq_start(0, workers, square, 4, &q, err, sizeof(err)),
	    ST_CONFIG);
	assert_null(q);
	assert_int_equal(
	    workq_start(2, workers, square, 1, &q, err, sizeof(err)),
	    ST_CONFIG);
	assert_non_null(strstr(err, "2 worker threads"));
	assert_int_equal(workq_start(WORKQ_MAX + 1, workers, square, 100, &q,
				     err, sizeof(err)),
			 ST_CONFIG);
	workq_stop(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_every_job_comes_back_done),
	    cmocka_unit_test(t_jobs_overlap),
	    cmocka_unit_test(t_stop_runs_what_was_handed_in),
	    cmocka_unit_test(t_bad_sizes_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
