// SPDX-License-Identifier: GPL-2.0
/*
 * tsqhog CPU SECONDS fifo|idle|nice: a busy loop pinned to CPU, for the
 * starvation scenario: SCHED_FIFO 99 (the hog), SCHED_IDLE (the control:
 * burns the same host time under TCG but yields to everything) or nice
 * -20 (starves SCHED_IDLE tasks, leaves ordinary ones their share).
 * tsqhog -i PID: makes PID SCHED_IDLE (the guest's busybox has no chrt).
 * Static, so it runs in the busybox guest.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct sched_param sp = { .sched_priority = 0 };
	int policy;
	struct timespec now, end;
	cpu_set_t set;
	char *e1, *e2;
	long cpu, secs;
	int nice = 0;

	if (argc == 3 && !strcmp(argv[1], "-i")) {
		long pid = strtol(argv[2], &e1, 10);

		if (*e1 || pid <= 0) {
			fprintf(stderr, "tsqhog: bad PID '%s'\n", argv[2]);
			return 2;
		}
		if (sched_setscheduler(pid, SCHED_IDLE, &sp)) {
			perror("tsqhog: SCHED_IDLE");
			return 1;
		}
		return 0;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: tsqhog CPU SECONDS fifo|idle|nice, or tsqhog -i PID\n");
		return 2;
	}
	if (!strcmp(argv[3], "fifo")) {
		policy = SCHED_FIFO;
		sp.sched_priority = 99;
	} else if (!strcmp(argv[3], "idle")) {
		policy = SCHED_IDLE;
	} else if (!strcmp(argv[3], "nice")) {
		policy = SCHED_OTHER;
		nice = -20;
	} else {
		fprintf(stderr, "tsqhog: bad policy '%s' (want fifo, idle or nice)\n", argv[3]);
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
	    sched_setscheduler(0, policy, &sp) ||
	    (nice && setpriority(PRIO_PROCESS, 0, nice))) {
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
