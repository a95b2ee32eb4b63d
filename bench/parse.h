/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsers for what the bench samples: /proc/stat, /proc/softirqs, the
 * tsqsteal stats table, the softirq-time hist trigger, wrk --latency
 * output, the bulk downloads' sizes, CPU lists and key=value metadata.
 * Each takes a NUL-terminated buffer, never a path, so the unit tests
 * feed them fixture text.
 */
#ifndef BENCH_PARSE_H
#define BENCH_PARSE_H

#include <stddef.h>

#define BENCH_MAX_CPUS 256

/* /proc/stat "cpuN" fields, in USER_HZ ticks. */
enum { ST_USER, ST_NICE, ST_SYSTEM, ST_IDLE, ST_IOWAIT, ST_IRQ, ST_SOFTIRQ,
       ST_STEAL, ST_NFIELDS };

struct cpu_ticks {
	unsigned long long f[ST_NFIELDS];
};

/* Softirq kinds the report splits by (counts from /proc/softirqs). */
enum { SI_NET_TX, SI_NET_RX, SI_TASKLET, SI_NKINDS };

/* tsqsteal per-CPU counters the report uses. */
enum { TQ_ENQUEUED, TQ_DRAINED, TQ_STOLEN_FROM, TQ_STOLEN_BY, TQ_RESCUED_FROM,
       TQ_RESCUED_BY, TQ_RESCUES, TQ_KEPT_LOCAL, TQ_NCOLS };

extern const char *const tq_col_names[TQ_NCOLS];
extern const char *const si_kind_names[SI_NKINDS];

/*
 * Softirq time from a hist trigger keyed by CPU and softirq vector (the
 * "==sirqtime" section): kernel vector numbers, 16 slots (the kernel has
 * 10), summed into the kinds the report splits time by.
 */
#define SIRQ_NVEC 16
enum { SIRQ_VEC_NET_TX = 2, SIRQ_VEC_NET_RX = 3, SIRQ_VEC_TASKLET = 6 };
enum { SK_NET_RX, SK_NET_TX, SK_TASKLET, SK_OTHER, SK_N };

/*
 * What the sirqtime section of a snapshot, or the split of a window,
 * amounts to: no section (or an empty one), usable, the histogram dropped
 * entries, or unusable (garbage, one side only, a counter went backwards).
 */
enum { SIRQ_ABSENT, SIRQ_OK, SIRQ_DROPPED, SIRQ_INVALID, SIRQ_NSTATES };
extern const char *const sirq_state_names[SIRQ_NSTATES];

/* One snapshot of the server: everything read at one instant. */
struct snapshot {
	int ncpu;                       /* from /proc/stat */
	struct cpu_ticks cpu[BENCH_MAX_CPUS];
	int si_ncpu;                    /* from /proc/softirqs, 0 if absent */
	unsigned long long si[SI_NKINDS][BENCH_MAX_CPUS];
	int tq_ncpu;                    /* from the tsqsteal table, 0 if absent */
	unsigned long long tq[TQ_NCOLS][BENCH_MAX_CPUS];
	int sirq_state;                 /* SIRQ_*, of the sirqtime section */
	unsigned long long sirq_dropped;
	unsigned long long sirq_ns[SIRQ_NVEC][BENCH_MAX_CPUS];  /* cumulative */
	double uptime;                  /* /proc/uptime's first field; < 0 if absent */
};

/* wrk's summary; latencies in milliseconds, negative when not printed. */
struct wrk_result {
	unsigned long long requests;
	double seconds;
	double bytes;
	double req_s;
	double p50_ms, p99_ms, p999_ms;
	unsigned long long errors;      /* socket errors + non-2xx/3xx */
};

int parse_proc_stat(const char *buf, struct cpu_ticks *cpu, int max);
int parse_softirqs(const char *buf, unsigned long long si[SI_NKINDS][BENCH_MAX_CPUS]);
int parse_tsq_stats(const char *buf, unsigned long long tq[TQ_NCOLS][BENCH_MAX_CPUS]);
int parse_hist_sirq(const char *buf, unsigned long long ns[SIRQ_NVEC][BENCH_MAX_CPUS],
		    unsigned long long *dropped);
int parse_snapshot(const char *buf, struct snapshot *s);
int parse_bulk(const char *buf, double *bytes, int *count);
int parse_wrk(const char *buf, struct wrk_result *w);
int parse_cpulist(const char *s, unsigned char *set, int max);
double parse_duration_ms(const char *s);
double parse_size_bytes(const char *s);
const char *kv_get(const char *buf, const char *key, char *out, size_t len);

#endif
