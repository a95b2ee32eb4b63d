// SPDX-License-Identifier: GPL-2.0
/*
 * tsqhog CPU SECONDS: a SCHED_FIFO 99 busy loop pinned to CPU, for the
 * starvation scenario.  Static, so it runs in the busybox guest.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct sched_param sp = { .sched_priority = 99 };
	struct timespec now, end;
	cpu_set_t set;
	char *e1, *e2;
	long cpu, secs;

	if (argc != 3) {
		fprintf(stderr, "usage: tsqhog CPU SECONDS\n");
		return 2;
	}
	cpu = strtol(argv[1], &e1, 10);
	secs = strtol(argv[2], &e2, 10);
	if (*e1 || *e2 || cpu < 0 || cpu >= CPU_SETSIZE || secs <= 0 || secs > 600) {
		fprintf(stderr, "tsqhog: bad CPU '%s' or SECONDS '%s'\n", argv[1], argv[2]);
		return 2;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) ||
	    sched_setscheduler(0, SCHED_FIFO, &sp)) {
		perror("tsqhog");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += secs;
	do
		clock_gettime(CLOCK_MONOTONIC, &now);
	while (now.tv_sec < end.tv_sec ||
	       (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
	return 0;
}
