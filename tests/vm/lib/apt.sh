# Private apt for one Debian suite and architecture: its own sources
# file, lists, cache and an empty dpkg status, so nothing on the host
# changes and no suite is ever added to the host's sources.
# shellcheck shell=bash

TSQ_CACHE=${TSQ_CACHE:-$HOME/.cache/tsqsteal}
TSQ_MIRROR=${TSQ_MIRROR:-http://deb.debian.org/debian}
TSQ_SECURITY_MIRROR=${TSQ_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

# suite_of CELL-KERNEL: 6.1 -> bookworm, 6.12 -> trixie, 7 -> sid; a
# -rt suffix (the PREEMPT_RT flavour) or -debug (the debug build of the
# series' source, debugkernel.sh) names the same suite.
suite_of() {
	local s=${1%-debug}
	case "${s%-rt}" in
	6.1) echo bookworm ;;
	6.12) echo trixie ;;
	7 | 7.*) echo sid ;;
	*) echo "unknown kernel series '$1' (want 6.1, 6.12 or 7)" >&2; return 1 ;;
	esac
}

apt_dir() { echo "$TSQ_CACHE/apt/$1-$2"; }

# apt_setup SUITE ARCH: write the private config once, refresh lists
# at most every 6 hours (sid moves; the others rarely).
apt_setup() {
	local suite=$1 arch=$2 d
	d=$(apt_dir "$suite" "$arch")
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/debs"
	: >>"$d/status"
	{
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $TSQ_MIRROR $suite main"
		case "$suite" in
		sid) ;;
		*)
			echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $TSQ_MIRROR $suite-updates main"
			echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $TSQ_SECURITY_MIRROR $suite-security main"
			;;
		esac
	} >"$d/sources.list"
	if [ -z "$(find "$d/lists" -maxdepth 1 -name '*Packages*' -mmin -360 2>/dev/null | head -n1)" ]; then
		apt_run "$suite" "$arch" apt-get update -q >/dev/null ||
			{ echo "apt: update of $suite/$arch failed" >&2; return 1; }
	fi
}

# apt_run SUITE ARCH CMD...: run an apt tool against the private config.
apt_run() {
	local suite=$1 arch=$2 d
	shift 2
	d=$(apt_dir "$suite" "$arch")
	"$@" -o Dir::Etc::sourcelist="$d/sources.list" \
		-o Dir::Etc::sourceparts=/nonexistent \
		-o Dir::State::Lists="$d/lists" \
		-o Dir::State::status="$d/status" \
		-o Dir::Cache="$d/cache" \
		-o Dir::Cache::pkgcache="$d/cache/pkgcache.bin" \
		-o Dir::Cache::srcpkgcache="$d/cache/srcpkgcache.bin" \
		-o APT::Architecture="$arch" -o APT::Architectures="$arch" \
		-o Acquire::Check-Valid-Until=false \
		-o Acquire::Languages=none \
		-o Debug::NoLocking=1 -o APT::Sandbox::User=root
}

# apt_depends SUITE ARCH PKG: the direct Depends of PKG, names only.
apt_depends() {
	apt_run "$1" "$2" apt-cache depends --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances "$3" |
		awk '/^ *(PreDepends|Depends):/ { gsub(/[<>]/, "", $2); print $2 }'
}

# apt_version SUITE ARCH PKG: candidate version of PKG.
apt_version() {
	apt_run "$1" "$2" apt-cache policy "$3" | awk '/Candidate:/ { print $2 }'
}

# apt_fetch SUITE ARCH PKG...: download .debs into the cache, keyed by
# the exact candidate version: a cached .deb of an older version of the
# package is never taken for the current one.
apt_fetch() {
	local suite=$1 arch=$2 d p v f
	shift 2
	d=$(apt_dir "$suite" "$arch")
	for p in "$@"; do
		v=$(apt_version "$suite" "$arch" "$p")
		[ -n "$v" ] && [ "$v" != "(none)" ] ||
			{ echo "apt: no candidate for $p ($suite/$arch)" >&2; return 1; }
		f=$(ls "$d/debs/${p}_${v//:/%3a}_"*.deb 2>/dev/null | head -n1)
		if [ -z "$f" ]; then
			(cd "$d/debs" && apt_run "$suite" "$arch" apt-get download -q "$p=$v" >/dev/null) ||
				{ echo "apt: download of $p $v ($suite/$arch) failed" >&2; return 1; }
			f=$(ls "$d/debs/${p}_${v//:/%3a}_"*.deb 2>/dev/null | head -n1)
			[ -n "$f" ] || { echo "apt: $p $v ($suite/$arch) not where expected" >&2; return 1; }
		fi
		echo "$f"
	done
}

# apt_tree ROOT SUITE PKGS WHAT: an amd64 tree of SUITE with PKGS (comma
# list; mmdebstrap installs no recommends) made once, marked ready when whole;
# prints ROOT.
apt_tree() {
	local root=$1 suite=$2 pkgs=$3 what=$4
	if [ -f "$root/.tsqsteal-ready" ]; then
		echo "$root"
		return 0
	fi
	rm -rf "$root"
	mkdir -p "$(dirname "$root")"
	echo "$what: creating $suite tree in $root (mmdebstrap, once)" >&2
	mmdebstrap --quiet --mode=root --variant=apt --arch=amd64 \
		--aptopt='Acquire::Check-Valid-Until "false"' \
		--include="$pkgs" "$suite" "$root" "$TSQ_MIRROR" >&2 || return 1
	rm -rf "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale" "$root/var/cache/apt"
	touch "$root/.tsqsteal-ready"
	echo "$root"
}
