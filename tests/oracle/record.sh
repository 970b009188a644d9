#!/bin/bash
# record.sh NAME...
#
# For each NAME: convert tests/scenarios/NAME.dmc to a VM shell scenario with
# dmc2sh.py, boot the oracle VM on it (ORACLE_DIR/run.sh) and write the
# transcript to tests/scenarios/NAME.oracle.txt.
#
#   ORACLE_DIR      the oracle (default: ../shared/oracle relative to the repo)
#   ORACLE_TIMEOUT  in-VM time limit per scenario (default here: 120 s)
#   RECORD_OUT      write NAME.oracle.txt into this directory instead (handy
#                   for checking reproducibility without touching the
#                   committed transcripts)
# Other ORACLE_* knobs are passed to run.sh as they are.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SCEN_DIR=$REPO/tests/scenarios
ORACLE_DIR=${ORACLE_DIR:-$REPO/../shared/oracle}
OUT_DIR=${RECORD_OUT:-$SCEN_DIR}
export ORACLE_TIMEOUT=${ORACLE_TIMEOUT:-120}

[ $# -ge 1 ] || { echo "usage: record.sh NAME..." >&2; exit 2; }
[ -x "$ORACLE_DIR/run.sh" ] || { echo "record.sh: no oracle at $ORACLE_DIR (set ORACLE_DIR)" >&2; exit 2; }

W=$(mktemp -d "${TMPDIR:-/tmp}/dmc-record.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$OUT_DIR"

status=0
for name in "$@"; do
	name=${name%.dmc}
	name=$(basename "$name")
	src=$SCEN_DIR/$name.dmc
	[ -f "$src" ] || { echo "record.sh: no such scenario: $src" >&2; status=2; continue; }
	python3 "$HERE/dmc2sh.py" "$src" "$W/$name.sh"
	rc=0
	ORACLE_NAME=$name "$ORACLE_DIR/run.sh" "$W/$name.sh" "$OUT_DIR/$name.oracle.txt" || rc=$?
	# run.sh returns the scenario's exit status, i.e. that of its last
	# command, which may fail on purpose.  Only a failed boot (125) or a
	# watchdog / host timeout (marked in the transcript) is an error here.
	if [ "$rc" -eq 125 ] || grep -q '^### ORACLE: ' "$OUT_DIR/$name.oracle.txt" 2>/dev/null; then
		echo "record.sh: $name: run.sh failed (rc=$rc)" >&2
		status=1
	fi
done
exit $status
