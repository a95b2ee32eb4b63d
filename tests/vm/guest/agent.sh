#!/bb/sh
# One connection, one command: run it, send its output and exit status.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/bb
read -r cmd
sh -c "$cmd" </dev/null 2>&1
echo "__tsq_rc=$?"
