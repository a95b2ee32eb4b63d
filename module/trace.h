/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM tsqsteal

#if !defined(_TSQSTEAL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TSQSTEAL_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(enqueue,
	TP_PROTO(unsigned int from, unsigned int to, unsigned int qlen),
	TP_ARGS(from, to, qlen),
	TP_STRUCT__entry(
		__field(unsigned int, from)
		__field(unsigned int, to)
		__field(unsigned int, qlen)
	),
	TP_fast_assign(
		__entry->from = from;
		__entry->to = to;
		__entry->qlen = qlen;
	),
	TP_printk("from=%u to=%u qlen=%u", __entry->from, __entry->to,
		  __entry->qlen)
);

TRACE_EVENT(steal,
	TP_PROTO(unsigned int thief, unsigned int victim, unsigned int n),
	TP_ARGS(thief, victim, n),
	TP_STRUCT__entry(
		__field(unsigned int, thief)
		__field(unsigned int, victim)
		__field(unsigned int, n)
	),
	TP_fast_assign(
		__entry->thief = thief;
		__entry->victim = victim;
		__entry->n = n;
	),
	TP_printk("thief=%u victim=%u n=%u", __entry->thief, __entry->victim,
		  __entry->n)
);

TRACE_EVENT(rescue,
	TP_PROTO(unsigned int victim, unsigned int rescuer, unsigned int n),
	TP_ARGS(victim, rescuer, n),
	TP_STRUCT__entry(
		__field(unsigned int, victim)
		__field(unsigned int, rescuer)
		__field(unsigned int, n)
	),
	TP_fast_assign(
		__entry->victim = victim;
		__entry->rescuer = rescuer;
		__entry->n = n;
	),
	TP_printk("victim=%u rescuer=%u n=%u", __entry->victim,
		  __entry->rescuer, __entry->n)
);

TRACE_EVENT(drain,
	TP_PROTO(unsigned int cpu, unsigned int n, unsigned int left),
	TP_ARGS(cpu, n, left),
	TP_STRUCT__entry(
		__field(unsigned int, cpu)
		__field(unsigned int, n)
		__field(unsigned int, left)
	),
	TP_fast_assign(
		__entry->cpu = cpu;
		__entry->n = n;
		__entry->left = left;
	),
	TP_printk("cpu=%u n=%u left=%u", __entry->cpu, __entry->n,
		  __entry->left)
);

#endif /* _TSQSTEAL_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
