#!/usr/bin/env python3
# regen.py: writes tests/mutations/*.patch from the edits below, against
# the current module/ (run it after a module change moves the context).
# Each entry: what it breaks, the scenarios that must catch it, the
# pattern of the failing TAP line, (file, old, new) edits, and for an
# equivalent mutant (no guest schedule reaches it) the reason.  A mutant
# that only a cell other than make mutate's can catch names it in CELLS.
import os, subprocess, shutil, sys
import re
root=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
muts = {
 'canary-warn': ('The canary: a module that WARNs at load. The harness must fail it (run inside make test).',
   '10', r'kernel log clean',
   [('main.c', "\tmutex_lock(&tsq_cfg_lock);\n\terr = tsq_hook_check();", "\tWARN(1, \"tsqsteal: deliberately broken build (canary)\\n\");\n\tmutex_lock(&tsq_cfg_lock);\n\terr = tsq_hook_check();")]),
 'rescue-never': ('The starvation rescue never fires: the timer returns at once.',
   '50', r'starvation',
   [('rescue.c', "\tif (READ_ONCE(tsq_stopping) || !READ_ONCE(q->len) || !since)", "\tif (1 || READ_ONCE(tsq_stopping) || !READ_ONCE(q->len) || !since)")]),
 'local-spreads': ('policy=local places work like spread.',
   '20', r'local:',
   [('policy.c', "\tcase TSQ_POLICY_LOCAL:\n\t\treturn false;\n", "\tcase TSQ_POLICY_LOCAL:\n\t\treturn true;\n"),
    ('policy.c', "\tcase TSQ_POLICY_LOCAL:\n\t\tgoto out;\n", "\tcase TSQ_POLICY_LOCAL:\n\t\tbreak;\n")]),
 'aside-never': ('spread never steps aside: a CPU with room still pays for the whole mechanism.',
   '20', r'light traffic left to the kernel',
   [('policy.c', "\ton = q->redirect ? (pct > TSQ_ASIDE_BAND ? pct - TSQ_ASIDE_BAND : 0) : pct;", "\ton = 0;")]),
 'cpus-ignored': ('cpus= is read back but ignored: placement uses every online CPU.',
   '20', r'cpus=',
   [('policy.c', "\tcpumask_copy(&set->mask, mask);\n\tfor_each_cpu(cpu, mask)", "\tcpumask_copy(&set->mask, cpu_online_mask);\n\tfor_each_cpu(cpu, cpu_online_mask)"),
    ('policy.c', "struct_size(set, cpus, cpumask_weight(mask))", "struct_size(set, cpus, nr_cpu_ids)")]),
 'budget-ignored': ('The budget parameter is ignored: a poll takes up to NAPI\'s 64.',
   '20', r'budget',
   [('queue.c', "unsigned int limit = min_t(unsigned int, READ_ONCE(tsq_budget), budget);", "unsigned int limit = budget;")]),
 'enable-ignored': ('enable=0 is accepted but the redirect stays.',
   '20', r'enable=0',
   [('main.c', "\telse if (tsq_ready)\n\t\ttsq_hook_unregister();\n", "")]),
 'sock-ref-leak': ('A socket reference is leaked every 64th drain.',
   '20', r'TCP sockets|handed back|TCP memory',
   [('queue.c', "\tbh_unlock_sock(sk);\n\tsock_put(sk);\nout:", "\tbh_unlock_sock(sk);\n\tif (q->stats.drained % 64)\n\t\tsock_put(sk);\nout:")]),
 'unload-no-drain': ('rmmod drops what is still queued instead of draining it.',
   '40 50', r'held queue: no socket left|rmmod cycle|handed back|TCP sockets',
   [('queue.c', "\t\tlist_for_each_entry_safe(tp, tmp, &list, tsq_node) {\n\t\t\tlist_del(&tp->tsq_node);\n\t\t\ttsq_xmit_one(q, (struct sock *)tp);\n\t\t}\n\t\tlocal_bh_enable();", "\t\tlist_for_each_entry_safe(tp, tmp, &list, tsq_node)\n\t\t\tlist_del(&tp->tsq_node);\n\t\tlocal_bh_enable();")],
   'the unload removes the redirect first and waits for an RCU-tasks grace period, which waits for the preempted task holding the queue (NAPI kthread or ksoftirqd): in every schedule tried it ran and emptied the queue before napi_disable(); reaching the final drain needs it preempted again, work left, right after its quiescent state (docs/testing.md, Mutations)'),
 'queued-not-cleared': ('The drain leaves TSQF_QUEUED set: each socket is queued once, ever.',
   '20', r'again and again',
   [('queue.c', "\tsmp_mb__before_atomic();\n\tclear_bit(TSQ_QUEUED, &sk->sk_tsq_flags);\n", "\tsmp_mb__before_atomic();\n")]),
 'hotplug-no-move': ('A CPU going offline keeps its queue instead of handing it over.',
   '50 60', r'held queue: CPU [0-9]+ went offline|hotplug',
   [('queue.c', "\tn = tsq_move(to, q, UINT_MAX, true);\n\tif (n) {\n\t\ttrace_rescue(cpu, to->cpu, n);", "\tn = 0;\n\tif (n) {\n\t\ttrace_rescue(cpu, to->cpu, n);")]),
 'home-ignores-rx': ('policy=home ignores where the flow is received and stays local.',
   '20', r'home',
   [('policy.c', "\tcase TSQ_POLICY_HOME:\n\t\tcpu = tsq_rfs_cpu(sk);", "\tcase TSQ_POLICY_HOME:\n\t\tgoto out;\n\t\tcpu = tsq_rfs_cpu(sk);")]),
 'steal-never': ('A poll that runs dry never steals.',
   '80', r'2000 connections',
   [('queue.c', "\trcu_read_unlock();\n\tif (!victim)\n\t\treturn 0;", "\trcu_read_unlock();\n\tvictim = NULL;\n\tif (!victim)\n\t\treturn 0;")]),
 'drain-per-batch': ('drain_us is checked only after a whole batch of up to 64 sockets.',
   '20', r'drain_us=10',
   [('queue.c', "			if ((s64)(now - deadline) > 0) {\n\t\t\t\tlate = true;", "\t\t\tif (!n && (s64)(now - deadline) > 0) {\n\t\t\t\tlate = true;")]),
 'untested-loads': ('A kernel series outside the tested set loads without the override.',
   '10', r'untested kernel series',
   [('main.c', "\tif (!tsq_kernel_tested()) {\n\t\tif (!tsq_allow_untested) {", "\tif (!tsq_kernel_tested()) {\n\t\tif (0) {")]),
 'rt-softirq-kick': ('On PREEMPT_RT the drain may run in softirq: a kick raises NET_RX from the idle loop.',
   '10 20', r'kernel log clean',
   [('compat.h', "#define TSQ_THREADED_ONLY\tIS_ENABLED(CONFIG_PREEMPT_RT)", "#define TSQ_THREADED_ONLY\tfalse")]),
 'cpuset-leak': ('A cpus= write leaks the set it replaces (only kmemleak sees it: the debug cell).',
   '30', r'kmemleak',
   [('policy.c', "\tif (old)\n\t\tkfree_rcu(old, rcu);\n", "\t(void)old;\n")]),
 'sync-lock-irq-on': ('The load-time online sync takes a queue lock with IRQs and BHs on, which the drain takes in softirq (only lockdep sees it: the debug cell).',
   '10', r'kernel log clean|lockdep',
   [('queue.c', "\t\traw_spin_lock_irq(&q->lock);\n\t\tWRITE_ONCE(q->online, cpu_online(cpu));\n\t\traw_spin_unlock_irq(&q->lock);", "\t\traw_spin_lock(&q->lock);\n\t\tWRITE_ONCE(q->online, cpu_online(cpu));\n\t\traw_spin_unlock(&q->lock);")]),
 'ftrace-not-permanent': ('The redirect\'s ftrace ops is not permanent: ftrace_enabled=0 turns it off silently.',
   '10', r'ftrace_enabled=0 refused',
   [('hook.c', " | FTRACE_OPS_FL_PERMANENT,", ",")]),
}
CELLS = {'rt-softirq-kick': '6.1-rt/amd64', 'cpuset-leak': '6.12-debug/amd64',
         'sync-lock-irq-on': '6.12-debug/amd64'}
os.makedirs(root+'/tests/mutations', exist_ok=True)
for name,(desc,scen,caught,edits,*equiv) in muts.items():
    tmp='/tmp/mut-'+name
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp+'/a'); os.makedirs(tmp+'/b')
    shutil.copytree(root+'/module', tmp+'/a/module')
    shutil.copytree(root+'/module', tmp+'/b/module')
    for f,old,new in edits:
        p=tmp+'/b/module/'+f; s=open(p).read()
        if old not in s: print('MISSING', name, f, old[:40]); sys.exit(1)
        s=s.replace(old,new,1); open(p,'w').write(s)
    d=subprocess.run(['diff','-ru','a/module','b/module'],cwd=tmp,capture_output=True,text=True).stdout
    d=re.sub(r'^((?:---|\+\+\+) [^\t\n]+)\t[^\n]*$', r'\1', d, flags=re.M)
    shutil.rmtree(tmp)
    hdr=f"# {desc}\n# scenarios: {scen}\n# caught-by: {caught}\n"
    if name in CELLS:
        hdr+=f"# cell: {CELLS[name]}\n"
    if equiv:
        hdr+=f"# equivalent: {equiv[0]}\n"
    open(f"{root}/tests/mutations/{name}.patch",'w').write(hdr+d)
print('ok')
