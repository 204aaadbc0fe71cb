#!/usr/bin/env bash
# The CLI golden cases again, every sx tool run under valgrind memcheck
# (--leak-check=full; invalid reads and writes, uses of uninitialised values,
# bad frees and definite or possible leaks are errors).  Each tool runs
# through a wrapper in a temp dir that execs valgrind, with the report in a
# log file per process (stderr stays the tool's own, so the cases still
# compare it).
# Prints the cases that fail under valgrind (a timing-sensitive case may fail
# from the slowdown alone: those are listed, not counted) and every valgrind
# report, then "valgrind: N processes, N with errors"; exits 1 on reports.
# Usage: valgrind.sh [PATTERN]   (cases as for tests/cli/run.sh)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
: "${SX_BIN:=$root/bin}"
command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin" "$work/logs"
for tool in "$SX_BIN"/sx-*; do
	name=${tool##*/}
	cat >"$work/bin/$name" <<WRAP
#!/bin/sh
# the case's name from its scratch folder (…/<tool>/<case>)
case_name=\$(basename "\$(dirname "\$PWD")")-\$(basename "\$PWD")
# by name, found in \$PATH, so that argv[0] (in getopt's messages) is as without valgrind
PATH="$SX_BIN:\$PATH" exec valgrind -q --error-exitcode=99 --leak-check=full \\
	--errors-for-leak-kinds=definite,possible --track-origins=yes \\
	--log-file="$work/logs/\$case_name.$name.%p.log" "$name" "\$@"
WRAP
	chmod +x "$work/bin/$name"
done
SX_BIN=$work/bin bash "$root/tests/cli/run.sh" "${1:-}" >"$work/cli.txt" 2>&1
grep '^FAIL' "$work/cli.txt" | sed 's/^/cli under valgrind: /'
tail -1 "$work/cli.txt"
n=0 bad=0
for log in "$work"/logs/*.log; do
	[ -e "$log" ] || continue
	n=$((n + 1))
	if [ -s "$log" ]; then
		bad=$((bad + 1))
		echo "== ${log##*/}"
		head -40 "$log"
	fi
done
echo "valgrind: $n processes, $bad with errors"
[ $bad = 0 ]
