/* Deadlines on the monotonic clock. */
#include <limits.h>
#include <time.h>

#include "deadline.h"

void
deadline_in(struct timespec *d, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, d);
	if (ms < 0)
		ms = 0;
	d->tv_sec += (time_t)(ms / 1000);
	d->tv_nsec += (ms % 1000) * 1000000L;
	if (d->tv_nsec >= 1000000000L) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000L;
	}
}

int
deadline_left(const struct timespec *d)
{
	struct timespec now;
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (long long)(d->tv_sec - now.tv_sec) * 1000000000LL +
	     (d->tv_nsec - now.tv_nsec);
	if (ns <= 0)
		return 0;
	ns = (ns + 999999) / 1000000;
	return ns > INT_MAX ? INT_MAX : (int)ns;
}
