#!/bin/sh
# changelog.sh VERSION: the debian/changelog of a build of this tree.
# The version is the top-level VERSION file's (the one place it is
# kept); the date is the last commit's, so a rebuild of the same commit
# gives the same packages.  Outside git: SOURCE_DATE_EPOCH, else now.
set -eu
version=${1:?usage: changelog.sh VERSION}
top=$(cd "$(dirname "$0")/.." && pwd)
maint=$(sed -n 's/^Maintainer: //p' "$top/debian/control")
if rev=$(git -C "$top" describe --always --dirty 2>/dev/null); then
	date=$(git -C "$top" log -1 --format=%cD)
	what="git $rev"
else
	date=$(date -R ${SOURCE_DATE_EPOCH:+-d "@$SOURCE_DATE_EPOCH"})
	what="a source tree without git"
fi
cat <<EOT
tsqsteal ($version) unstable; urgency=medium

  * Version $version, built from $what.

 -- $maint  $date
EOT
