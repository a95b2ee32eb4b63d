#!/usr/bin/env bash
# scenario.sh FILE: one scenario of the VM matrix, in a process of its
# own (tests/vm/run.sh starts it with the cell's guest in its
# environment).  set -u stays on: a scenario that dies, of an unbound
# variable or anything else, never writes its sentinel, and the runner
# fails it by name instead of ending green.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/tap.sh"
. "$here/lib/vm.sh"
. "$here/lib/scen.sh"

: "${CELL:?}" "${VM_NS:?}" "${VM_PID:?}" "${TSQ_SCEN_SENTINEL:?}"
# shellcheck disable=SC1090
. "$1"
echo finished >"$TSQ_SCEN_SENTINEL"
