#!/usr/bin/env bash
# tests/pkg.sh: the install and packaging targets on the host, as TAP,
# ending "N passed, N failed".  Builds the .debs (native and arm64) into a
# temp dir and installs into staging trees only: nothing on the host
# changes, no kernel headers are needed, nothing is loaded.
#   make install / uninstall with a stand-in tsqsteal.ko (DESTDIR)
#   irqspread's units and udev rule (tests/pkg-units.sh): systemd-analyze
#   verify, a udev rules syntax check, irqspread-unit on a fixture
#   make deb: the three packages, their files, control data, maintainer
#   scripts and conffiles, lintian; make deb ARCH=arm64
#   dkms itself on the packaged dkms.conf: which kernels it builds for
#   tsqsteal(4): mandoc and groff clean, every parameter documented
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TAP_DIR=${TAP_DIR:-$tmp/tap}
. "$here/vm/lib/tap.sh"

version=$(cat "$top/VERSION")
kver=6.1.0-57-amd64
export LC_ALL=C.UTF-8
# make's own output goes to a log, shown when a check fails.
mk() { make -C "$top" --no-print-directory "$@" >"$tmp/make.log" 2>&1; }
mklog() { tail -n 20 "$tmp/make.log"; }
# files DIR: the non-directory entries under DIR, relative, sorted.
files() { (cd "$1" && find . ! -type d | sed 's|^\./||' | sort); }
# same DESC EXPECTED ACTUAL: ok when the two lists are equal.
same() {
	if [ "$2" = "$3" ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "$(diff <(echo "$2") <(echo "$3") | grep '^[<>]')"
	fi
}
# not_comments FILE: lines that are neither blank nor comments.
not_comments() { grep -Ev '^[[:space:]]*(#|$)' "$1"; }
# The module's parameters, as main.c declares them.
params=$(sed -nE 's/^module_param(_cb|_named)?\(([a-z_]+),.*/\2/p' "$top/module/main.c" | sort)

# ---- make install / uninstall with a stand-in module ----
# An ELF object with nothing but a .modinfo section: modinfo reads its
# vermagic, from which install takes KVER.
printf 'vermagic=%s SMP preempt mod_unload modversions \0name=tsqsteal\0' "$kver" >"$tmp/modinfo"
objcopy -I binary -O elf64-x86-64 -B i386:x86-64 \
	--rename-section .data=.modinfo,contents,alloc,load,readonly,data "$tmp/modinfo" "$tmp/tsqsteal.ko"

root=$tmp/root
units="irqspread-check.service
irqspread-check.timer
irqspread-reapply@.service
irqspread.service"
want_root=$(sort <<EOF
etc/default/irqspread
etc/modprobe.d/tsqsteal.conf
lib/modules/$kver/updates/tsqsteal.ko
$(echo "$units" | sed 's|^|lib/systemd/system/|')
lib/udev/rules.d/60-irqspread.rules
usr/libexec/irqspread/irqspread-unit
usr/sbin/irqspread
usr/sbin/tsqtop
usr/share/doc/tsqsteal/examples/modules-load.d/tsqsteal.conf
usr/share/man/man4/tsqsteal.4
usr/share/man/man8/irqspread.8
usr/share/man/man8/tsqtop.8
EOF
)
if mk install DESTDIR="$root" KO="$tmp/tsqsteal.ko"; then
	tap_ok "install: make install DESTDIR KO=stand-in exits 0"
else
	tap_fail "install: make install DESTDIR KO=stand-in exits 0" "$(mklog)"
fi
same "install: exactly the $(echo "$want_root" | wc -l) expected files, module under the stand-in's vermagic ($kver)" \
	"$want_root" "$(files "$root" 2>/dev/null)"
modes=$(cd "$root" 2>/dev/null && stat -c '%a %n' $want_root 2>&1)
same "install: irqspread, tsqtop, irqspread-unit 0755, the rest 0644" \
	"$(for f in $want_root; do case $f in */sbin/* | */libexec/*) echo "755 $f" ;; *) echo "644 $f" ;; esac; done)" "$modes"
check "install: the module installed is the one given as KO" cmp "$tmp/tsqsteal.ko" "$root/lib/modules/$kver/updates/tsqsteal.ko"
check "install: the installed irqspread runs (--help)" "$root/usr/sbin/irqspread" --help
check "install: the installed tsqtop runs (--help)" "$root/usr/sbin/tsqtop" --help
unit_paths=$(grep -h '^Exec' "$root"/lib/systemd/system/* 2>/dev/null | sed -E 's/^[A-Za-z]+=([^ ]*).*/\1/' | sort -u | tr '\n' ' ')
bin_line=$(grep '^bin=' "$root/usr/libexec/irqspread/irqspread-unit" 2>/dev/null)
same "install: the units run PREFIX's irqspread-unit (and sleep), which runs PREFIX's irqspread" \
	"/bin/sleep /usr/libexec/irqspread/irqspread-unit |bin=\${IRQSPREAD_BIN:-/usr/sbin/irqspread}" "$unit_paths|$bin_line"

# depmod only on the live system; make -n shows the recipe, runs nothing.
dry_live=$(make -C "$top" -n --no-print-directory install KO="$tmp/tsqsteal.ko" 2>&1 | grep depmod)
dry_dest=$(make -C "$top" -n --no-print-directory install DESTDIR="$tmp/dry" KO="$tmp/tsqsteal.ko" 2>&1 | grep depmod)
if [ "$dry_live" = "depmod -a '$kver'" ] && [ -z "$dry_dest" ]; then
	tap_ok "install: depmod -a $kver without DESTDIR, none with it (make -n)"
else
	tap_fail "install: depmod -a $kver without DESTDIR, none with it (make -n)" \
		"without: '$dry_live'" "with: '$dry_dest'"
fi

if mk install DESTDIR="$tmp/wrong" KO="$tmp/tsqsteal.ko" KVER=6.12.1-1-amd64; then
	tap_fail "install: a KO built for another kernel than KVER is refused" "$(mklog)"
elif [ -e "$tmp/wrong/lib/modules" ]; then
	tap_fail "install: a KO built for another kernel than KVER is refused" "but $(files "$tmp/wrong")"
else
	tap_ok "install: a KO built for another kernel than KVER is refused, nothing installed"
fi

if mk uninstall DESTDIR="$root" KO="$tmp/tsqsteal.ko" && left=$(files "$root") && [ -z "$left" ]; then
	tap_ok "uninstall: removes every installed file (only empty directories left)"
else
	tap_fail "uninstall: removes every installed file (only empty directories left)" "$(mklog)" "left: ${left:-}"
fi

# An administrator's modprobe.d and default files are neither
# overwritten nor removed.
mk install DESTDIR="$root" SKIP_MODULE=1
echo "options tsqsteal policy=home" >>"$root/etc/modprobe.d/tsqsteal.conf"
echo "IRQSPREAD_POLICY=irq-only" >>"$root/etc/default/irqspread"
cp "$root/etc/modprobe.d/tsqsteal.conf" "$tmp/edited.conf"
cp "$root/etc/default/irqspread" "$tmp/edited.default"
mk install DESTDIR="$root" SKIP_MODULE=1 && mk uninstall DESTDIR="$root" SKIP_MODULE=1
if cmp -s "$tmp/edited.conf" "$root/etc/modprobe.d/tsqsteal.conf" &&
	cmp -s "$tmp/edited.default" "$root/etc/default/irqspread" &&
	[ "$(files "$root")" = "etc/default/irqspread
etc/modprobe.d/tsqsteal.conf" ]; then
	tap_ok "install/uninstall: edited modprobe.d/tsqsteal.conf and default/irqspread are kept by both, nothing else left"
else
	tap_fail "install/uninstall: edited modprobe.d/tsqsteal.conf and default/irqspread are kept by both, nothing else left" \
		"$(mklog)" "left: $(files "$root")"
fi

# shellcheck source=tests/pkg-units.sh
. "$here/pkg-units.sh"

# ---- make deb ----
deb=$tmp/deb
dkms_deb=$deb/tsqsteal-dkms_${version}_all.deb
irq_deb=$deb/irqspread_${version}_amd64.deb
top_deb=$deb/tsqtop_${version}_amd64.deb
if mk deb DEB_DIR="$deb" && [ -f "$dkms_deb" ] && [ -f "$irq_deb" ] && [ -f "$top_deb" ]; then
	tap_ok "deb: make deb builds tsqsteal-dkms_${version}_all.deb, irqspread_${version}_amd64.deb and tsqtop_${version}_amd64.deb"
else
	tap_fail "deb: make deb builds tsqsteal-dkms_${version}_all.deb, irqspread_${version}_amd64.deb and tsqtop_${version}_amd64.deb" "$(mklog)"
fi
debfiles() { dpkg-deb -c "$1" 2>/dev/null | awk '$1 !~ /^d/ { sub(/^\.\//, "", $6); print $6 }' | sort; }

srcs=$(cd "$top/module" && ls -- *.c *.h Kbuild Makefile | sed "s|^|usr/src/tsqsteal-$version/|")
want_dkms=$(sort <<EOF
etc/modprobe.d/tsqsteal.conf
usr/share/doc/tsqsteal-dkms/changelog.gz
usr/share/doc/tsqsteal-dkms/copyright
usr/share/doc/tsqsteal-dkms/examples/modules-load.d/tsqsteal.conf
usr/share/man/man4/tsqsteal.4.gz
usr/src/tsqsteal-$version/dkms.conf
usr/src/tsqsteal-$version/VERSION
$srcs
EOF
)
same "deb: tsqsteal-dkms holds exactly the module sources, VERSION, dkms.conf, tsqsteal.4, modprobe.d and doc files" \
	"$want_dkms" "$(debfiles "$dkms_deb")"
same "deb: irqspread holds exactly irqspread, irqspread.8, the units, udev rule, irqspread-unit, default/irqspread, doc files, lintian override" \
	"$(sort <<EOF
etc/default/irqspread
$(echo "$units" | sed 's|^|lib/systemd/system/|')
lib/udev/rules.d/60-irqspread.rules
usr/libexec/irqspread/irqspread-unit
usr/sbin/irqspread
usr/share/doc/irqspread/changelog.gz
usr/share/doc/irqspread/copyright
usr/share/lintian/overrides/irqspread
usr/share/man/man8/irqspread.8.gz
EOF
)" "$(debfiles "$irq_deb")"
same "deb: tsqtop holds exactly tsqtop, tsqtop.8, copyright and changelog" \
	"usr/sbin/tsqtop
usr/share/doc/tsqtop/changelog.gz
usr/share/doc/tsqtop/copyright
usr/share/man/man8/tsqtop.8.gz" "$(debfiles "$top_deb")"

field() { dpkg-deb -f "$1" "$2" 2>/dev/null; }
same "deb: the three packages' version is VERSION ($version), through the generated changelog" \
	"$version $version $version" "$(field "$dkms_deb" Version) $(field "$irq_deb" Version) $(field "$top_deb" Version)"
dep=$(field "$irq_deb" Depends)
if [[ $dep =~ libjson-c5\ \(\>=\ [0-9.]+\) && $dep =~ libc6\ \(\>= ]] && [ "$(field "$irq_deb" Architecture)" = amd64 ]; then
	tap_ok "deb: irqspread depends on libjson-c5 and libc6 through shlibs ($dep)"
else
	tap_fail "deb: irqspread depends on libjson-c5 and libc6 through shlibs" "Depends: $dep"
fi
dep=$(field "$dkms_deb" Depends)
if [[ $dep =~ (^|, )dkms ]] && [ "$(field "$dkms_deb" Architecture)" = all ]; then
	tap_ok "deb: tsqsteal-dkms is Architecture: all and depends on dkms ($dep)"
else
	tap_fail "deb: tsqsteal-dkms is Architecture: all and depends on dkms" "Depends: $dep"
fi

mkdir -p "$tmp/x/dkms" "$tmp/x/irq" "$tmp/x/tsqtop"
dpkg-deb -R "$dkms_deb" "$tmp/x/dkms" 2>/dev/null
dpkg-deb -R "$irq_deb" "$tmp/x/irq" 2>/dev/null
dpkg-deb -R "$top_deb" "$tmp/x/tsqtop" 2>/dev/null
same "deb: /etc/default/irqspread is irqspread's only conffile; tsqtop has none" \
	"/etc/default/irqspread|" "$(cat "$tmp/x/irq/DEBIAN/conffiles" 2>&1)|$(cat "$tmp/x/tsqtop/DEBIAN/conffiles" 2>/dev/null)"
check "deb: the packaged default/irqspread is the source tree's" \
	cmp "$top/packaging/default/irqspread" "$tmp/x/irq/etc/default/irqspread"
check "deb: the packaged udev rule and timer are the source tree's" \
	sh -c "cmp '$top/packaging/udev/60-irqspread.rules' '$tmp/x/irq/lib/udev/rules.d/60-irqspread.rules' &&
		cmp '$top/packaging/systemd/irqspread-check.timer' '$tmp/x/irq/lib/systemd/system/irqspread-check.timer'"
x=$tmp/x/dkms
same "deb: /etc/modprobe.d/tsqsteal.conf is tsqsteal-dkms's only conffile" \
	"/etc/modprobe.d/tsqsteal.conf" "$(cat "$x/DEBIAN/conffiles" 2>&1)"
conf=$x/etc/modprobe.d/tsqsteal.conf
mkdir -p "$tmp/modprobe.d"
cp "$conf" "$tmp/modprobe.d/" 2>/dev/null
if [ -s "$conf" ] && [ -z "$(not_comments "$conf")" ] &&
	[ -z "$(modprobe -C "$tmp/modprobe.d" --showconfig 2>/dev/null | grep -w tsqsteal)" ]; then
	tap_ok "deb: the conffile is all comments; kmod reads no tsqsteal option from it"
else
	tap_fail "deb: the conffile is all comments; kmod reads no tsqsteal option from it" \
		"$(not_comments "$conf")"
fi
missing=$(for p in $params; do grep -q "^#options tsqsteal $p=" "$conf" || echo "$p"; done)
same "deb: the conffile has a commented options line for each parameter of main.c" "" "$missing"

# dh_dkms's scripts run dkms (build and install the module, or skip an
# untested kernel); none loads it.
scripts=$(for f in "$tmp"/x/*/DEBIAN/{pre,post}{inst,rm}; do [ ! -e "$f" ] || echo "${f#"$tmp"/x/}"; done | sort | tr '\n' ' ')
loads=$(grep -lE 'modprobe|insmod|modules-load|systemctl' "$tmp"/x/dkms/DEBIAN/{pre,post}{inst,rm} 2>/dev/null)
if [ "$scripts" = "dkms/DEBIAN/postinst dkms/DEBIAN/prerm irq/DEBIAN/postinst irq/DEBIAN/postrm irq/DEBIAN/prerm " ] &&
	grep -q /usr/lib/dkms/common.postinst "$x/DEBIAN/postinst" &&
	grep -q 'dkms remove' "$x/DEBIAN/prerm" && [ -z "$loads" ]; then
	tap_ok "deb: tsqsteal-dkms's scripts are dh_dkms's postinst and prerm, none loads the module; tsqtop has none"
else
	tap_fail "deb: tsqsteal-dkms's scripts are dh_dkms's postinst and prerm, none loads the module; tsqtop has none" \
		"scripts: $scripts" "loading: $loads"
fi
# Installing or upgrading irqspread enables, starts or stops nothing (a
# unit enabled before an upgrade stays enabled: the postinst's only
# "enable"s are dh_installsystemd's under "was-enabled", itself under
# "debian-installed", which a first install is not; without --no-enable
# "was-enabled" stands alone and is true on a first install); only
# removal stops the service, which restores what it saved.
ix=$tmp/x/irq/DEBIAN
acts=$(grep -hE 'deb-systemd-invoke|systemctl|deb-systemd-helper (--quiet )?enable|irqspread (apply|restore)' "$ix/postinst" "$ix/postrm" |
	grep -vE "daemon-reload|^[[:space:]]*deb-systemd-helper enable '[^']*' >/dev/null \|\| true$")
enables=$(grep -c 'deb-systemd-helper enable' "$ix/postinst")
guards=$(grep -c 'deb-systemd-helper --quiet was-enabled' "$ix/postinst")
installed=$(grep -c 'if deb-systemd-helper debian-installed' "$ix/postinst")
if [ -z "$acts" ] && [ "$enables" = "$guards" ] && [ "$guards" = "$installed" ] && [ ! -e "$ix/preinst" ] &&
	grep -q '^if \[ "\$1" = remove \] .*is-active irqspread.service; then$' "$ix/prerm" &&
	! grep -qE 'deb-systemd-invoke (start|restart)' "$ix/prerm"; then
	tap_ok "deb: irqspread's scripts enable and start nothing, stop nothing on upgrade; prerm stops irqspread.service on remove only"
else
	tap_fail "deb: irqspread's scripts enable and start nothing, stop nothing on upgrade; prerm stops irqspread.service on remove only" \
		"actions: $acts" "enable lines $enables, was-enabled guards $guards, debian-installed guards $installed" "preinst: $(head -n 8 "$ix/preinst" 2>&1)"
fi

# grep without -q: under pipefail an early exit would fail ldd.
irq=$tmp/x/irq/usr/sbin/irqspread
if "$irq" --help >/dev/null 2>&1 && [ "$("$irq" -V 2>&1)" = "irqspread $version" ] &&
	ldd "$irq" | grep 'libjson-c\.so\.5 => /' >/dev/null; then
	tap_ok "deb: the packaged irqspread runs against the system's libjson-c.so.5; -V says $version"
else
	tap_fail "deb: the packaged irqspread runs against the system's libjson-c.so.5; -V says $version" \
		"$("$irq" -V 2>&1)" "$(ldd "$irq" 2>&1)"
fi
tq=$tmp/x/tsqtop/usr/sbin/tsqtop
dep=$(field "$top_deb" Depends)
if [ "$("$tq" -V 2>&1)" = "tsqtop $version" ] && [[ $dep =~ libc6\ \(\>= && ! $dep =~ json ]]; then
	tap_ok "deb: the packaged tsqtop runs, -V says $version; it depends on libc6, not json-c ($dep)"
else
	tap_fail "deb: the packaged tsqtop runs, -V says $version; it depends on libc6, not json-c" "$("$tq" -V 2>&1)" "Depends: $dep"
fi

if out=$(lintian -I --fail-on error,warning,info "$deb/tsqsteal_${version}_amd64.changes" 2>&1); then
	tap_ok "deb: lintian (errors, warnings, info) passes on the three packages"
else
	tap_fail "deb: lintian (errors, warnings, info) passes on the three packages" "$out"
fi

# ---- DKMS: the packaged dkms.conf, read by dkms itself ----
# dkms build in a private tree: 77 is dkms's "BUILD_EXCLUSIVE does not
# match"; for an accepted kernel it goes on and stops at the missing
# headers.
dkms_for() {
	dkms build "tsqsteal/$version" -k "$1" -a x86_64 --dkmstree "$tmp/dkms" \
		--sourcetree "$x/usr/src" --kernelsourcedir "$tmp/no-headers" >"$tmp/dkms.log" 2>&1
	local rc=$?
	[ "$rc" -ne 77 ] && ! grep -q BUILD_EXCLUSIVE "$tmp/dkms.log"
}
mkdir -p "$tmp/dkms"
wrong=""
for k in 6.1.0-57-amd64 6.12.118+deb13-arm64 7.2.13+deb14-amd64; do
	dkms_for "$k" || wrong+=" $k rejected;"
done
for k in 6.2.0-1-amd64 6.13.1+deb13-amd64 7.3.1+deb14-amd64 6.10.0-1-amd64; do
	dkms_for "$k" && wrong+=" $k accepted;"
done
same "dkms: builds for 6.1.0-57-amd64, 6.12.118+deb13-arm64, 7.2.13+deb14-amd64; not 6.2, 6.13, 7.3, 6.10" "" "$wrong"
dk=$x/usr/src/tsqsteal-$version/dkms.conf
if grep -qx "PACKAGE_VERSION=\"$version\"" "$dk" && grep -qx 'PACKAGE_NAME="tsqsteal"' "$dk" &&
	grep -qx 'AUTOINSTALL="yes"' "$dk" && grep -qx 'DEST_MODULE_LOCATION\[0\]="/updates"' "$dk"; then
	tap_ok "dkms: dkms.conf names tsqsteal $version, AUTOINSTALL, DEST_MODULE_LOCATION /updates"
else
	tap_fail "dkms: dkms.conf names tsqsteal $version, AUTOINSTALL, DEST_MODULE_LOCATION /updates" "$(cat "$dk")"
fi
# The series the module accepts (compat.h), once it says.
series=$(sed -nE 's/^#define[[:space:]]+TSQ_TESTED_SERIES[[:space:]]+"([^"]*)".*/\1/p' "$top/module/compat.h")
if [ -z "$series" ]; then
	tap_skip "dkms: BUILD_EXCLUSIVE_KERNEL matches TSQ_TESTED_SERIES" "module/compat.h defines no TSQ_TESTED_SERIES"
else
	want=$(echo "$series" | tr -d ' ' | tr ',' '\n' | sort -V)
	got=$(for s in 5.10 5.15 6.1 6.2 6.6 6.10 6.11 6.12 6.13 6.16 6.17 6.18 7.0 7.1 7.2 7.3 7.10 8.1; do
		dkms_for "$s.0-1-amd64" && echo "$s"; done | sort -V)
	same "dkms: BUILD_EXCLUSIVE_KERNEL accepts exactly TSQ_TESTED_SERIES ($series)" "$want" "$got"
fi

# ---- arm64: irqspread cross-built ----
arm_deb=$deb/irqspread_${version}_arm64.deb
arm_top=$deb/tsqtop_${version}_arm64.deb
if mk deb DEB_DIR="$deb" ARCH=arm64 && [ -f "$arm_deb" ]; then
	elf=$(dpkg-deb --fsys-tarfile "$arm_top" 2>/dev/null | tar -xOf - ./usr/sbin/tsqtop 2>/dev/null | file -b -)
	if [[ $elf == *"ARM aarch64"* ]]; then
		tap_ok "deb: make deb ARCH=arm64 cross-builds tsqtop: aarch64 ELF"
	else
		tap_fail "deb: make deb ARCH=arm64 cross-builds tsqtop: aarch64 ELF" "$elf"
	fi
	elf=$(dpkg-deb --fsys-tarfile "$arm_deb" | tar -xOf - ./usr/sbin/irqspread | file -b -)
	dep=$(field "$arm_deb" Depends)
	if [[ $elf == *"ARM aarch64"* && $dep =~ libjson-c5\ \(\>= && $dep =~ libc6\ \(\>= ]]; then
		tap_ok "deb: make deb ARCH=arm64 cross-builds irqspread: aarch64 ELF, $dep"
	else
		tap_fail "deb: make deb ARCH=arm64 cross-builds irqspread: aarch64 ELF, libc6, libjson-c5" "$elf" "Depends: $dep"
	fi
	check "deb: lintian passes on irqspread arm64" lintian -I --fail-on error,warning,info "$deb/tsqsteal_${version}_arm64.changes"
else
	tap_fail "deb: make deb ARCH=arm64 builds irqspread_${version}_arm64.deb" "$(mklog)"
fi

# ---- tsqsteal(4) ----
check "man: mandoc -T lint clean on tsqsteal.4, irqspread.8 and tsqtop.8" mandoc -T lint "$top/docs/tsqsteal.4" "$top/docs/irqspread.8" "$top/docs/tsqtop.8"
page=$(MANWIDTH=80 man --warnings -l "$top/docs/tsqsteal.4" 2>"$tmp/groff.err")
missing=$(for p in $params allow_untested_kernel; do grep -q "^       $p (default" <<<"$page" || echo "$p"; done)
if [ ! -s "$tmp/groff.err" ] && [ -z "$missing" ]; then
	tap_ok "man: man -l renders tsqsteal.4 with no groff warning; it describes every parameter"
else
	tap_fail "man: man -l renders tsqsteal.4 with no groff warning; it describes every parameter" \
		"$(cat "$tmp/groff.err")" "missing: $missing"
fi

tap_summary
