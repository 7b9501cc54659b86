/*
 * Deadlines on the monotonic clock, for the modules that poll(2) with a
 * bound on the whole operation (socks, pdf).
 */
#ifndef DEADLINE_H
#define DEADLINE_H

#include <time.h>

/* *d = now + ms (CLOCK_MONOTONIC). */
void deadline_in(struct timespec *d, long ms);

/* Milliseconds left until d, rounded up; 0 once it has passed; at most
 * INT_MAX, so the result fits poll(2)'s timeout. */
int deadline_left(const struct timespec *d);

#endif
