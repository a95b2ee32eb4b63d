# shellcheck shell=bash disable=SC2154
# (tmp, top, units and the helpers are tests/pkg.sh's.)
# tests/pkg-units.sh, sourced by tests/pkg.sh: irqspread's systemd units,
# udev rule, /etc/default/irqspread and irqspread-unit, as make install
# puts them in a staging tree.  Nothing runs under systemd or udev here
# (the booted guest test does that); this checks what can be checked on
# the files and runs irqspread-unit against an irqspread fixture.
ur=$tmp/units-root
mk install DESTDIR="$ur" SKIP_MODULE=1
sd=$ur/lib/systemd/system
wrapper=$ur/usr/libexec/irqspread/irqspread-unit
irqbin=$top/tools/irqspread/irqspread

# ---- systemd-analyze verify ----
# In a copy whose Exec paths point into the staging tree (verify wants
# them executable), with MANPATH there so Documentation=man:irqspread(8)
# resolves; an instance of the template stands for it.  Any output is a
# failure: verify prints unknown keys and bad values but exits 0 on some.
va=$tmp/verify
mkdir -p "$va"
for u in $units; do
	sed "s|/usr/libexec/irqspread/|$ur/usr/libexec/irqspread/|" "$sd/$u" >"$va/${u/@./@eth0.}"
done
va_units=("$va"/*)
if out=$(MANPATH=$ur/usr/share/man systemd-analyze verify "${va_units[@]}" 2>&1) && [ -z "$out" ]; then
	tap_ok "units: systemd-analyze verify passes, silent, on ${va_units[*]##*/}"
else
	tap_fail "units: systemd-analyze verify passes, silent, on ${va_units[*]##*/}" "$out"
fi

# unit KEY FILE: the values of KEY= in FILE, one per line.
ukey() { sed -n "s/^$1=//p" "$2"; }
svc=$sd/irqspread.service
same "units: irqspread.service is oneshot, RemainAfterExit, applies on start, restores on stop, wanted by multi-user" \
	"oneshot|yes|/usr/libexec/irqspread/irqspread-unit apply|/usr/libexec/irqspread/irqspread-unit restore|multi-user.target" \
	"$(ukey Type "$svc")|$(ukey RemainAfterExit "$svc")|$(ukey ExecStart "$svc")|$(ukey ExecStop "$svc")|$(ukey WantedBy "$svc")"
same "units: irqspread.service is ordered after irqbalance.service and network-pre.target, not network-online" \
	"After=network-pre.target irqbalance.service|" "$(grep '^After=' "$svc")|$(grep -E '^(Wants|Requires|After|Before)=.*network-online' "$svc")"

# The pieces that must agree: the unit udev starts is the template that
# is installed; the directory the rule and the reapply and check units
# test is the one irqspread.service owns and irqspread-unit saves in.
rules=$ur/lib/udev/rules.d/60-irqspread.rules
runtime=/run/$(ukey RuntimeDirectory "$svc")
started=$(grep -o 'start [^ "]*' "$rules" | sed 's/^start //; s/@[^.]*\./@./' | sort -u)
tested=$( (grep -o 'TEST=="[^"]*"' "$rules" | sed 's/TEST=="//; s/"$//'
	ukey ConditionPathIsDirectory "$sd/irqspread-reapply@.service"
	ukey ConditionPathIsDirectory "$sd/irqspread-check.service"
	grep '^state=' "$wrapper" | sed 's/.*:-//; s|/[^/]*}$||') | sort -u)
same "units: udev starts irqspread-reapply@.service; rule, reapply, check and irqspread-unit all use irqspread.service's $runtime" \
	"irqspread-reapply@.service|$runtime" "$started|$(echo "$tested" | tr '\n' ' ' | sed 's/ $//')"
same "units: nothing enabled by make install (no .wants or .requires directory)" \
	"" "$(find "$ur" -name '*.wants' -o -name '*.requires')"

# ---- the udev rule ----
# udevadm verify came with systemd 254; Debian 12 has 252, and this host
# no udev at all.  So: udev(7)'s grammar, for the keys and operators the
# rule uses.  Every logical line (backslash continuations joined) is a
# comma-separated list of KEY[{attr}]OP"value" with a key udev knows,
# match-only keys compared (==, !=), action keys assigned (=, +=, -=, :=),
# values in double quotes, $substitutions udev knows, and RUN naming an
# absolute program that exists here.
udevcheck() {
	awk '
	function fail(m) { print FILENAME ":" start ": " m ": " line; bad = 1 }
	BEGIN {
		n = split("ACTION DEVPATH KERNEL KERNELS NAME SYMLINK SUBSYSTEM SUBSYSTEMS DRIVER DRIVERS ATTR ATTRS SYSCTL ENV CONST TAG TAGS TEST PROGRAM RESULT OPTIONS OWNER GROUP MODE SECLABEL RUN LABEL GOTO IMPORT", k, " ")
		for (i = 1; i <= n; i++) known[k[i]] = 1
		n = split("ACTION DEVPATH KERNEL KERNELS SUBSYSTEM SUBSYSTEMS DRIVER DRIVERS ATTRS TAGS TEST PROGRAM RESULT CONST", k, " ")
		for (i = 1; i <= n; i++) matchonly[k[i]] = 1
		n = split("RUN LABEL GOTO OPTIONS OWNER GROUP MODE SECLABEL", k, " ")
		for (i = 1; i <= n; i++) assignonly[k[i]] = 1
		n = split("kernel number devpath id driver attr sysfs env major minor result parent name links root sys devnode", k, " ")
		for (i = 1; i <= n; i++) subst[k[i]] = 1
	}
	/^[ \t]*(#|$)/ && !cont { next }
	{
		if (!cont) { line = ""; start = FNR }
		l = $0
		cont = sub(/\\$/, "", l)
		line = line l
		if (cont) next
		rest = line; nkeys = 0
		while (rest != "") {
			sub(/^[ \t]+/, "", rest)
			if (!match(rest, /^[A-Z_]+/)) { fail("no key at \"" substr(rest, 1, 20) "\""); break }
			key = substr(rest, 1, RLENGTH); rest = substr(rest, RLENGTH + 1)
			if (!(key in known)) fail("unknown key " key)
			if (match(rest, /^\{[^}]*\}/)) rest = substr(rest, RLENGTH + 1)
			if (!match(rest, /^(==|!=|\+=|-=|:=|=)/)) { fail("no operator after " key); break }
			op = substr(rest, 1, RLENGTH); rest = substr(rest, RLENGTH + 1)
			if ((key in matchonly) && op != "==" && op != "!=") fail(key " takes == or !=, not " op)
			if ((key in assignonly) && (op == "==" || op == "!=")) fail(key " is assigned, not compared")
			if (!match(rest, /^"[^"]*"/)) { fail("value of " key " is not in double quotes"); break }
			val = substr(rest, 2, RLENGTH - 2); rest = substr(rest, RLENGTH + 1)
			v = val
			while (match(v, /\$[a-z]+/)) {
				s = substr(v, RSTART + 1, RLENGTH - 1)
				if (!(s in subst)) fail("unknown substitution $" s)
				v = substr(v, RSTART + RLENGTH)
			}
			if (key == "RUN") print val > "/dev/stderr"
			nkeys++
			sub(/^[ \t]*/, "", rest)
			if (rest == "") break
			if (substr(rest, 1, 1) != ",") { fail("no comma after " key); break }
			rest = substr(rest, 2)
		}
		if (!nkeys) fail("empty rule")
	}
	END { if (cont) { print FILENAME ": ends in a continuation"; bad = 1 } exit bad }
	' "$1" 2>"$tmp/udev-run" || return 1
	local prog
	while read -r prog _; do
		case $prog in
		/*) [ -x "$prog" ] || { echo "RUN program $prog is not executable here"; return 1; } ;;
		*) echo "RUN program '$prog' is not an absolute path"; return 1 ;;
		esac
	done <"$tmp/udev-run"
}
if out=$(udevcheck "$rules" 2>&1) && [ "$(wc -l <"$tmp/udev-run")" -eq 2 ]; then
	tap_ok "udev: 60-irqspread.rules follows udev(7)'s rule syntax; its 2 RUNs name /bin/systemctl"
else
	tap_fail "udev: 60-irqspread.rules follows udev(7)'s rule syntax; its 2 RUNs name /bin/systemctl" "$out"
fi
# The checker catches what it claims to: one mistake at a time.
missed=""
while IFS='|' read -r what from to; do
	sed "0,/$from/s//$to/" "$rules" >"$tmp/bad.rules"
	cmp -s "$rules" "$tmp/bad.rules" && { missed+=" ($what: no change made)"; continue; }
	udevcheck "$tmp/bad.rules" >/dev/null 2>&1 && missed+=" $what;"
done <<'EOF'
assignment to a match key|ACTION==|ACTION=
unknown key|SUBSYSTEM==|SUBSYTEM==
unquoted value|KERNEL=="rx-\*|tx-\*"|KERNEL==rx-*
unknown substitution|@\$id|@$ifname
missing comma|TEST=="\/run\/irqspread", |TEST=="\/run\/irqspread" 
relative RUN program|\/bin\/systemctl|systemctl
EOF
same "udev: the syntax check rejects each of six broken copies of the rule" "" "$missed"

# ---- /etc/default/irqspread ----
def=$ur/etc/default/irqspread
# shellcheck disable=SC2016
set_by=$(env -i sh -c '. "$1"; set' sh "$def" | grep '^IRQSPREAD')
commented=$(sed -n 's/^#\(IRQSPREAD_[A-Z]*=.*\)/\1/p' "$def" | tr -d '"' | sort)
defaults=$(sed -n 's/^\(IRQSPREAD_[A-Z]*=.*\)/\1/p' "$wrapper" | tr -d '"' | sort)
same "default: every line commented; its four settings show irqspread-unit's defaults" \
	"|$defaults" "$set_by|$commented"

# ---- irqspread-unit on a fixture ----
# A stand-in for irqspread logs its arguments and runs the real one on a
# copy of the virtio fixture (no irqbalance there).  Until irqspread has
# --irqbalance (being added in parallel) the stand-in drops that option.
fx=$tmp/fx
cp -a "$top/tests/fixtures/irqspread/virtio" "$fx"
cp -a "$fx" "$tmp/fx-pristine"
has_ib=""
"$irqbin" --help 2>/dev/null | grep -q -- '--irqbalance' && has_ib=1
cat >"$tmp/irqspread-shim" <<EOF
#!/bin/sh
echo "\$*" >>"$tmp/shim.log"
if [ -z "$has_ib" ]; then
	for a; do shift; case \$a in --irqbalance=*) ;; *) set -- "\$@" "\$a" ;; esac; done
fi
exec "$irqbin" --sysroot "\$FIXTURE" "\$@"
EOF
chmod +x "$tmp/irqspread-shim"
[ -n "$has_ib" ] || tap_note="irqspread has no --irqbalance yet: the stand-in drops it"
echo "# ${tap_note:-irqspread has --irqbalance: passed through}"
state=$tmp/run/irqspread/saved.json
mkdir -p "$tmp/run/irqspread"
# unit CONF-LINES VERB...: irqspread-unit with that /etc/default; stdout in
# $tmp/u.out, stderr in $tmp/u.err, status in $urc, stand-in calls in $tmp/shim.log.
unit() {
	printf '%s\n' "$1" >"$tmp/default"
	shift
	: >"$tmp/shim.log"
	IRQSPREAD_CONF=$tmp/default IRQSPREAD_BIN=$tmp/irqspread-shim IRQSPREAD_STATE=$state \
		IRQSPREAD_SYS=$fx/sys FIXTURE=${FIXTURE:-$fx} "$wrapper" "$@" >"$tmp/u.out" 2>"$tmp/u.err"
	urc=$?
}
unchanged() { diff -r --no-dereference "$tmp/fx-pristine" "$fx" >/dev/null; }

unit "IRQSPREAD_POLICY=bogus" apply
if [ "$urc" -ne 0 ] && [ "$(cat "$tmp/u.err")" = "irqspread: --policy 'bogus': unknown policy (want spread, irq-only or off)" ] &&
	unchanged && [ ! -e "$state" ]; then
	tap_ok "irqspread-unit: IRQSPREAD_POLICY=bogus: exit $urc, irqspread's one line, nothing written"
else
	tap_fail "irqspread-unit: IRQSPREAD_POLICY=bogus: non-zero, irqspread's one line, nothing written" \
		"exit $urc" "stderr: $(cat "$tmp/u.err")"
fi
unit "IRQSPREAD_IRQBALANCE=sometimes" apply
if [ "$urc" -eq 1 ] && [ "$(cat "$tmp/u.err")" = "irqspread-unit: $tmp/default: IRQSPREAD_IRQBALANCE='sometimes': want refuse, coordinate or ignore" ] &&
	[ ! -s "$tmp/shim.log" ]; then
	tap_ok "irqspread-unit: IRQSPREAD_IRQBALANCE=sometimes: exit 1, one line naming the file and setting, irqspread not run"
else
	tap_fail "irqspread-unit: IRQSPREAD_IRQBALANCE=sometimes: exit 1, one line naming the file and setting, irqspread not run" \
		"exit $urc" "stderr: $(cat "$tmp/u.err")" "irqspread ran: $(cat "$tmp/shim.log")"
fi
unit 'IRQSPREAD_POLICY="spread' apply
if [ "$urc" -ne 0 ] && grep -q "$tmp/default" "$tmp/u.err" && [ ! -s "$tmp/shim.log" ]; then
	tap_ok "irqspread-unit: a default file the shell cannot read fails (exit $urc) naming it; irqspread not run"
else
	tap_fail "irqspread-unit: a default file the shell cannot read fails naming it; irqspread not run" \
		"exit $urc" "stderr: $(cat "$tmp/u.err")"
fi

# A NIC that is not up yet (IFF_UP clear in its flags): waited for, then
# left out in one line, irqspread not run; once up, placed.
echo 0x1002 >"$fx/sys/class/net/eth0/flags"
unit "IRQSPREAD_WAIT=1" apply
if [ "$urc" -eq 0 ] && [ "$(cat "$tmp/u.out")" = "irqspread-unit: eth0 still down after 1s: left out (irqspread-reapply@IFACE once up)" ] &&
	[ ! -s "$tmp/shim.log" ] && [ ! -e "$state" ]; then
	tap_ok "irqspread-unit apply with eth0 down: waits IRQSPREAD_WAIT, exit 0, one line, irqspread not run"
else
	tap_fail "irqspread-unit apply with eth0 down: waits IRQSPREAD_WAIT, exit 0, one line, irqspread not run" \
		"exit $urc" "stdout: $(cat "$tmp/u.out")" "irqspread ran: $(cat "$tmp/shim.log")"
fi
unit "IRQSPREAD_WAIT=soon" apply
if [ "$urc" -eq 1 ] && grep -q "IRQSPREAD_WAIT='soon': want a number of seconds" "$tmp/u.err" && [ ! -s "$tmp/shim.log" ]; then
	tap_ok "irqspread-unit: IRQSPREAD_WAIT=soon: exit 1, one line naming the setting, irqspread not run"
else
	tap_fail "irqspread-unit: IRQSPREAD_WAIT=soon: exit 1, one line naming the setting, irqspread not run" \
		"exit $urc" "stderr: $(cat "$tmp/u.err")"
fi
echo 0x1003 >"$fx/sys/class/net/eth0/flags"
unit "IRQSPREAD_WAIT=1" apply
if [ "$urc" -eq 0 ] && [ "$(cat "$tmp/shim.log")" = "apply --policy spread --irqbalance=refuse --save $state" ]; then
	tap_ok "irqspread-unit apply with eth0 up: placed at once, as without the flags file"
else
	tap_fail "irqspread-unit apply with eth0 up: placed at once" "exit $urc" "irqspread ran: $(cat "$tmp/shim.log")" \
		"stdout: $(cat "$tmp/u.out")" "stderr: $(cat "$tmp/u.err")"
fi
rm -rf "$fx" "$state"
cp -a "$tmp/fx-pristine" "$fx"

# The shipped file: apply, check, restore, check, restore again.
shipped=$(cat "$def")
unit "$shipped" apply
if [ "$urc" -eq 0 ] && [ "$(cat "$tmp/shim.log")" = "apply --policy spread --irqbalance=refuse --save $state" ] &&
	[ -s "$state" ] && ! unchanged; then
	tap_ok "irqspread-unit apply, shipped default: irqspread apply --policy spread --irqbalance=refuse --save STATE; written"
else
	tap_fail "irqspread-unit apply, shipped default: irqspread apply --policy spread --irqbalance=refuse --save STATE; written" \
		"exit $urc" "ran: $(cat "$tmp/shim.log")" "$(tail -n 3 "$tmp/u.err")"
fi
unit "$shipped" check
same "irqspread-unit check after apply: exit 0, irqspread check --policy spread" \
	"0 check --policy spread" "$urc $(cat "$tmp/shim.log")"
unit "$shipped" restore
if [ "$urc" -eq 0 ] && [ "$(cat "$tmp/shim.log")" = "restore $state" ] && unchanged; then
	tap_ok "irqspread-unit restore: irqspread restore STATE puts every file back as the fixture had it"
else
	tap_fail "irqspread-unit restore: irqspread restore STATE puts every file back as the fixture had it" \
		"exit $urc" "ran: $(cat "$tmp/shim.log")" "$(diff -r --no-dereference "$tmp/fx-pristine" "$fx" | head -n 5)"
fi
unit "$shipped" check
same "irqspread-unit check after restore: exit 1 (drift), as irqspread check documents" "1" "$urc"
rm -f "$state"
unit "$shipped" restore
same "irqspread-unit restore with nothing saved: exit 0, says so, irqspread not run" \
	"0|irqspread-unit: nothing saved in $state: nothing to restore|" "$urc|$(cat "$tmp/u.out")|$(cat "$tmp/shim.log")"

# Options and devices from the file, and what reapply does with them.
unit "IRQSPREAD_DEVICES=\"eth0\"
IRQSPREAD_POLICY=irq-only
IRQSPREAD_OPTS=\"--flows 4096\"
IRQSPREAD_IRQBALANCE=ignore" apply
same "irqspread-unit apply: IRQSPREAD_DEVICES, _POLICY, _OPTS and _IRQBALANCE reach irqspread as words" \
	"0|apply eth0 --policy irq-only --irqbalance=ignore --save $state --flows 4096" "$urc|$(cat "$tmp/shim.log")"
unit "IRQSPREAD_DEVICES=\"eth1 eth2\"" reapply eth0
same "irqspread-unit reapply of a NIC not in IRQSPREAD_DEVICES: exit 0, left alone, irqspread not run" \
	"0|irqspread-unit: eth0 is not in IRQSPREAD_DEVICES: left alone|" "$urc|$(cat "$tmp/u.out")|$(cat "$tmp/shim.log")"
unit "" reapply lo
same "irqspread-unit reapply of a NIC with no device (lo): exit 0, left alone, irqspread not run" \
	"0|irqspread-unit: lo is not backed by a device: left alone|" "$urc|$(cat "$tmp/u.out")|$(cat "$tmp/shim.log")"
unit "" reapply eth0
same "irqspread-unit reapply eth0: the same apply, saved over a file of its own (--replace-saved)" \
	"0|apply --policy spread --irqbalance=refuse --save ${state%.json}-reapply.json --replace-saved" "$urc|$(cat "$tmp/shim.log")"
unit "" frobnicate
same "irqspread-unit with an unknown verb: exit 1, its usage line" \
	"1|irqspread-unit: usage: irqspread-unit apply | restore | reapply IFACE | check" "$urc|$(cat "$tmp/u.err")"

# irqbalance running, refuse (the default): fails with irqspread's line.
if [ -n "$has_ib" ]; then
	cp -a "$top/tests/fixtures/irqspread/m7i" "$tmp/m7i"
	cp -a "$tmp/m7i" "$tmp/m7i-pristine"
	FIXTURE=$tmp/m7i unit "$shipped" apply
	if [ "$urc" -ne 0 ] && [ "$(wc -l <"$tmp/u.err")" -eq 1 ] && grep -q irqbalance "$tmp/u.err" &&
		diff -r --no-dereference "$tmp/m7i-pristine/sys" "$tmp/m7i/sys" >/dev/null; then
		tap_ok "irqspread-unit apply with irqbalance running (m7i), refuse: exit $urc, one line, nothing written"
	else
		tap_fail "irqspread-unit apply with irqbalance running (m7i), refuse: non-zero, one line, nothing written" \
			"exit $urc" "stderr: $(cat "$tmp/u.err")"
	fi
else
	tap_skip "irqspread-unit apply with irqbalance running, refuse: fails with one line" "irqspread has no --irqbalance yet"
fi
