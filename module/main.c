// SPDX-License-Identifier: GPL-2.0
/*
 * tsqsteal: module parameters, load and unload, CPU hotplug.
 *
 * Every parameter but allow_untested_kernel is writable at runtime in
 * /sys/module/tsqsteal/parameters; a bad value is refused with -EINVAL and
 * one log line, and changes nothing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched/isolation.h>
#include <linux/utsname.h>

#include "compat.h"
#include "tsqsteal.h"

#define TSQ_BUDGET_MAX		NAPI_POLL_WEIGHT
#define TSQ_DRAIN_US_MIN	10
#define TSQ_DRAIN_US_MAX	100000
#define TSQ_STARVE_US_MIN	100
#define TSQ_STARVE_US_MAX	10000000

unsigned int tsq_budget = 64;
unsigned int tsq_drain_us = 1000;
unsigned int tsq_starve_us = 2000;
unsigned int tsq_busy_pct = 80;
int tsq_policy = TSQ_POLICY_SPREAD;
bool tsq_threaded = TSQ_THREADED_ONLY;
bool tsq_step_aside = true;
static bool tsq_enable = true;
static bool tsq_allow_untested;
struct tsq_cpuset __rcu *tsq_cpuset;

const char * const tsq_policy_names[TSQ_POLICY_MAX] = {
	[TSQ_POLICY_LOCAL]	= "local",
	[TSQ_POLICY_HOME]	= "home",
	[TSQ_POLICY_SPREAD]	= "spread",
};

/* Serialises parameter writes against load, unload and each other. */
static DEFINE_MUTEX(tsq_cfg_lock);
static bool tsq_ready;
static struct cpumask tsq_cpus_param;	/* cpus= as given; empty: default */
static enum cpuhp_state tsq_cpuhp_state;

/* Length of a written value without echo's newline, for one-line logs. */
static int tsq_vlen(const char *val)
{
	size_t n = strnlen(val, 64);

	return n && val[n - 1] == '\n' ? n - 1 : n;
}

static int tsq_set_uint(const char *val, unsigned int *dst, const char *name,
			unsigned int min, unsigned int max)
{
	unsigned int v;

	if (kstrtouint(val, 0, &v) || v < min || v > max) {
		pr_warn("%s: invalid value '%.*s' (want %u..%u)\n", name,
			tsq_vlen(val), val, min, max);
		return -EINVAL;
	}
	WRITE_ONCE(*dst, v);
	return 0;
}

static int tsq_budget_set(const char *val, const struct kernel_param *kp)
{
	return tsq_set_uint(val, kp->arg, "budget", 1, TSQ_BUDGET_MAX);
}

static int tsq_drain_us_set(const char *val, const struct kernel_param *kp)
{
	return tsq_set_uint(val, kp->arg, "drain_us", TSQ_DRAIN_US_MIN,
			    TSQ_DRAIN_US_MAX);
}

static int tsq_starve_us_set(const char *val, const struct kernel_param *kp)
{
	return tsq_set_uint(val, kp->arg, "starve_us", TSQ_STARVE_US_MIN,
			    TSQ_STARVE_US_MAX);
}

static int tsq_busy_pct_set(const char *val, const struct kernel_param *kp)
{
	return tsq_set_uint(val, kp->arg, "busy_pct", 0, 100);
}

static int tsq_step_aside_set(const char *val, const struct kernel_param *kp)
{
	bool on;

	if (kstrtobool(val, &on)) {
		pr_warn("step_aside: invalid value '%.*s' (want 0 or 1)\n",
			tsq_vlen(val), val);
		return -EINVAL;
	}
	WRITE_ONCE(tsq_step_aside, on);
	return 0;
}

static const struct kernel_param_ops tsq_step_aside_ops = {
	.set = tsq_step_aside_set,
	.get = param_get_bool,
};

static const struct kernel_param_ops tsq_busy_pct_ops = {
	.set = tsq_busy_pct_set,
	.get = param_get_uint,
};

static const struct kernel_param_ops tsq_budget_ops = {
	.set = tsq_budget_set,
	.get = param_get_uint,
};

static const struct kernel_param_ops tsq_drain_us_ops = {
	.set = tsq_drain_us_set,
	.get = param_get_uint,
};

static const struct kernel_param_ops tsq_starve_us_ops = {
	.set = tsq_starve_us_set,
	.get = param_get_uint,
};

static int tsq_policy_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(tsq_policy_names, val);

	if (i < 0) {
		pr_warn("policy: unknown value '%.*s' (want local, home or spread)\n",
			tsq_vlen(val), val);
		return -EINVAL;
	}
	WRITE_ONCE(tsq_policy, i);
	return 0;
}

static int tsq_policy_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", tsq_policy_names[READ_ONCE(tsq_policy)]);
}

static const struct kernel_param_ops tsq_policy_ops = {
	.set = tsq_policy_set,
	.get = tsq_policy_get,
};

/* The default allowed set: housekeeping CPUs, never isolcpus/nohz_full. */
static void tsq_default_cpus(struct cpumask *mask)
{
	cpumask_and(mask, housekeeping_cpumask(HK_TYPE_DOMAIN),
		    housekeeping_cpumask(HK_TYPE_TICK));
	if (cpumask_empty(mask))
		cpumask_copy(mask, cpu_possible_mask);
}

static int tsq_apply_cpus(const struct cpumask *given)
{
	struct tsq_cpuset *set;
	struct cpumask *mask;
	int err = 0;

	mask = kmalloc(cpumask_size(), GFP_KERNEL);
	if (!mask)
		return -ENOMEM;
	if (cpumask_empty(given))
		tsq_default_cpus(mask);
	else
		cpumask_copy(mask, given);
	set = tsq_cpuset_build(mask);
	if (!set)
		err = -ENOMEM;
	else
		tsq_cpuset_publish(set);
	kfree(mask);
	return err;
}

static int tsq_cpus_set(const char *val, const struct kernel_param *kp)
{
	cpumask_var_t mask;
	int err;

	if (!alloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	/* cpulist_parse() skips blanks and stops at a newline. */
	err = cpulist_parse(val, mask);
	if (err || cpumask_empty(mask)) {
		pr_warn("cpus: invalid cpulist '%.*s' (want e.g. 1-3,5)\n",
			tsq_vlen(val), val);
		err = -EINVAL;
		goto out;
	}
	/*
	 * cpulist_parse() bounds CPUs by nr_cpu_ids; queues exist only for
	 * possible CPUs, so say so rather than rely on the two being equal.
	 */
	if (!cpumask_subset(mask, cpu_possible_mask)) {
		pr_warn("cpus: '%.*s' names a CPU this machine does not have (possible: %*pbl)\n",
			tsq_vlen(val), val, cpumask_pr_args(cpu_possible_mask));
		err = -EINVAL;
		goto out;
	}
	if (!cpumask_intersects(mask, cpu_online_mask)) {
		pr_warn("cpus: '%.*s' names no online CPU\n", tsq_vlen(val), val);
		err = -EINVAL;
		goto out;
	}
	mutex_lock(&tsq_cfg_lock);
	if (tsq_ready)
		err = tsq_apply_cpus(mask);
	if (!err)
		cpumask_copy(&tsq_cpus_param, mask);
	mutex_unlock(&tsq_cfg_lock);
out:
	free_cpumask_var(mask);
	return err;
}

static int tsq_cpus_get(char *buf, const struct kernel_param *kp)
{
	struct tsq_cpuset *set;
	int n;

	rcu_read_lock();
	set = rcu_dereference(tsq_cpuset);
	if (set)
		n = sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(&set->mask));
	else if (cpumask_empty(&tsq_cpus_param))
		n = sysfs_emit(buf, "default\n");
	else
		n = sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(&tsq_cpus_param));
	rcu_read_unlock();
	return n;
}

static const struct kernel_param_ops tsq_cpus_ops = {
	.set = tsq_cpus_set,
	.get = tsq_cpus_get,
};

static int tsq_enable_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err = 0;

	if (kstrtobool(val, &on)) {
		pr_warn("enable: invalid value '%.*s' (want 0 or 1)\n",
			tsq_vlen(val), val);
		return -EINVAL;
	}
	mutex_lock(&tsq_cfg_lock);
	/* Off: new frees take the stock path; what is queued drains as usual. */
	if (tsq_ready && on)
		err = tsq_hook_register();
	else if (tsq_ready)
		tsq_hook_unregister();
	if (!err)
		tsq_enable = on;
	mutex_unlock(&tsq_cfg_lock);
	return err;
}

static const struct kernel_param_ops tsq_enable_ops = {
	.set = tsq_enable_set,
	.get = param_get_bool,
};

static int tsq_threaded_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err = 0;

	if (kstrtobool(val, &on)) {
		pr_warn("threaded: invalid value '%.*s' (want 0 or 1)\n",
			tsq_vlen(val), val);
		return -EINVAL;
	}
	if (!on && TSQ_THREADED_ONLY) {
		pr_warn("threaded: 0 is not supported on PREEMPT_RT, where the drain runs in NAPI threads\n");
		return -EINVAL;
	}
	mutex_lock(&tsq_cfg_lock);
	if (tsq_ready && on != tsq_threaded) {
		err = tsq_queues_set_threaded(on);
		if (err)
			pr_warn("threaded: cannot switch to %d: %d\n", on, err);
	}
	if (!err)
		WRITE_ONCE(tsq_threaded, on);
	mutex_unlock(&tsq_cfg_lock);
	return err;
}

static const struct kernel_param_ops tsq_threaded_ops = {
	.set = tsq_threaded_set,
	.get = param_get_bool,
};

module_param_cb(enable, &tsq_enable_ops, &tsq_enable, 0644);
MODULE_PARM_DESC(enable, "1: deferred xmit through tsqsteal; 0: stock TSQ (default 1)");
module_param_cb(policy, &tsq_policy_ops, &tsq_policy, 0644);
MODULE_PARM_DESC(policy, "Placement: local, home or spread (default spread)");
module_param_cb(cpus, &tsq_cpus_ops, NULL, 0644);
MODULE_PARM_DESC(cpus, "Allowed CPUs as a cpulist (default: housekeeping CPUs)");
module_param_cb(budget, &tsq_budget_ops, &tsq_budget, 0644);
MODULE_PARM_DESC(budget, "Sockets per NAPI poll, 1..64 (default 64)");
module_param_cb(drain_us, &tsq_drain_us_ops, &tsq_drain_us, 0644);
MODULE_PARM_DESC(drain_us, "Time limit of one poll in us, 10..100000 (default 1000)");
module_param_cb(starve_us, &tsq_starve_us_ops, &tsq_starve_us, 0644);
MODULE_PARM_DESC(starve_us, "Rescue a queue idle this long in us, 100..10000000 (default 2000)");
module_param_cb(busy_pct, &tsq_busy_pct_ops, &tsq_busy_pct, 0644);
MODULE_PARM_DESC(busy_pct, "spread: leave a CPU's frees to the kernel's TSQ until it is this % busy, 0..100 (0: always spread; default 80)");
module_param_cb(step_aside, &tsq_step_aside_ops, &tsq_step_aside, 0644);
MODULE_PARM_DESC(step_aside, "1: frees whose work stays on the freeing CPU go to the kernel's TSQ; 0: through tsqsteal's queues too, the control for the mechanism's own cost (default 1)");
module_param_cb(threaded, &tsq_threaded_ops, &tsq_threaded, 0644);
MODULE_PARM_DESC(threaded, "Drain in NAPI kthreads instead of softirq (default 0; always 1 on PREEMPT_RT)");
module_param_named(allow_untested_kernel, tsq_allow_untested, bool, 0444);
MODULE_PARM_DESC(allow_untested_kernel,
		 "Load on a kernel series not tested (tested: " TSQ_TESTED_SERIES "; default 0)");

static int tsq_cpu_online(unsigned int cpu)
{
	tsq_queue_online(cpu);
	return 0;
}

static int tsq_cpu_offline(unsigned int cpu)
{
	tsq_queue_offline(cpu);
	return 0;
}

static int __init tsq_init(void)
{
	int err;

	if (!tsq_kernel_tested()) {
		if (!tsq_allow_untested) {
			pr_err("kernel %s is not in the tested series (%s): not loaded; allow_untested_kernel=1 loads it anyway\n",
			       init_utsname()->release, TSQ_TESTED_SERIES);
			return -EOPNOTSUPP;
		}
		pr_warn("kernel %s is not in the tested series (%s): loading as allow_untested_kernel=1 asks\n",
			init_utsname()->release, TSQ_TESTED_SERIES);
	}
	mutex_lock(&tsq_cfg_lock);
	err = tsq_hook_check();
	if (err)
		goto out;
	err = tsq_apply_cpus(&tsq_cpus_param);
	if (err)
		goto out;
	err = tsq_queues_init();
	if (err)
		goto err_cpuset;
	/* No CPU comes or goes between the online flags and the callbacks. */
	cpus_read_lock();
	tsq_queues_sync_online();
	err = cpuhp_setup_state_nocalls_cpuslocked(CPUHP_AP_ONLINE_DYN, "net/tsqsteal:online",
						   tsq_cpu_online, tsq_cpu_offline);
	cpus_read_unlock();
	if (err < 0)
		goto err_queues;
	tsq_cpuhp_state = err;
	tsq_stats_init();
	if (tsq_enable) {
		err = tsq_hook_register();
		if (err)
			goto err_cpuhp;
	}
	tsq_ready = true;
	pr_info("loaded: policy=%s budget=%u drain_us=%u starve_us=%u busy_pct=%u threaded=%d enable=%d\n",
		tsq_policy_names[READ_ONCE(tsq_policy)], READ_ONCE(tsq_budget),
		READ_ONCE(tsq_drain_us), READ_ONCE(tsq_starve_us), READ_ONCE(tsq_busy_pct),
		tsq_threaded, tsq_enable);
	mutex_unlock(&tsq_cfg_lock);
	return 0;

err_cpuhp:
	tsq_hook_exit();
	tsq_stats_exit();
	cpuhp_remove_state_nocalls(tsq_cpuhp_state);
err_queues:
	tsq_queues_stop();
	tsq_queues_free();
err_cpuset:
	tsq_cpuset_publish(NULL);
	rcu_barrier();
out:
	mutex_unlock(&tsq_cfg_lock);
	return err;
}

static void __exit tsq_exit(void)
{
	mutex_lock(&tsq_cfg_lock);
	tsq_ready = false;
	/* 1. No new enqueues, nobody left inside the redirect. */
	tsq_hook_exit();
	/* 2. No hotplug moves; 3. no polls, timers or IPIs; queued work sent. */
	cpuhp_remove_state_nocalls(tsq_cpuhp_state);
	tsq_queues_stop();
	tsq_stats_exit();
	tsq_queues_free();
	tsq_cpuset_publish(NULL);
	mutex_unlock(&tsq_cfg_lock);
	rcu_barrier();	/* the kfree_rcu() of the cpuset */
	pr_info("unloaded\n");
}

module_init(tsq_init);
module_exit(tsq_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("tsqsteal developers");
MODULE_DESCRIPTION("TCP Small Queues deferred transmit on work-stealing per-CPU NAPI queues");
MODULE_VERSION(TSQ_VERSION);
