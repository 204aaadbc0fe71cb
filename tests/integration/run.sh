#!/usr/bin/env bash
# Integration tests against real components (sqlite3, PostgreSQL, an HTTP
# server).  Each tests/integration/test_*.sh prints "ok NAME" / "FAIL NAME"
# lines; this runner totals them and ends with "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${SX_BIN:=$root/bin}"
export PATH="$SX_BIN:$PATH" DATA="$root/tests/data" SHARED="${SX_SHARED:-$root/../shared}" ROOT="$root"
export LC_ALL=C TZ=UTC
pass=0 fail=0
log=$(mktemp) skipped=$(mktemp)
trap 'rm -f "$log" "$skipped"' EXIT
for t in "$here"/test_*.sh; do
	[ -f "$t" ] || continue
	bash "$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^ok ' "$log"); f=$(grep -c '^FAIL ' "$log")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL $(basename "$t"): exited $rc"; f=1
	fi
	pass=$((pass + p)); fail=$((fail + f))
	grep '^SKIP ' "$log" >>"$skipped"
done
if [ -s "$skipped" ]; then   # what did not run, and why
	echo "integration: $(wc -l <"$skipped") skipped:"; sed 's/^SKIP /  /' "$skipped"
fi
echo "integration: $pass passed, $fail failed"
[ $fail = 0 ]
