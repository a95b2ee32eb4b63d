#!/bb/sh
# One connection, one request "ID BASE64(COMMAND)": run COMMAND once per ID and
# send its output and exit status.  A request whose ID already ran (the
# host lost the answer and asked again) gets the stored answer instead,
# so a retry never runs a command twice.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/bb
d=/tmp/agent
mkdir -p "$d"
read -r id enc
case "$id" in *[!A-Za-z0-9_-]* | "") echo "__tsq_rc=254"; exit ;; esac
# Base64 keeps a multi-line script on the one request line.
cmd=$(echo "$enc" | base64 -d) || { echo "__tsq_rc=254"; exit; }
if mkdir "$d/$id" 2>/dev/null; then
	sh -c "$cmd" </dev/null >"$d/$id/out" 2>&1
	echo $? >"$d/$id/rc.tmp"
	mv "$d/$id/rc.tmp" "$d/$id/rc"
else
	while [ ! -f "$d/$id/rc" ]; do sleep 0.2; done
fi
cat "$d/$id/out"
echo "__tsq_rc=$(cat "$d/$id/rc")"
