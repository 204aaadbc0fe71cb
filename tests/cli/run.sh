#!/usr/bin/env bash
# Golden CLI cases: tests/cli/<tool>/<case>/ holds
#   cmd     the command line(s), run by bash in a scratch copy of the case dir
#   in      standard input (optional; /dev/null otherwise)
#   out     expected standard output (exact)
#   err     expected standard error (exact; when absent, stderr must be empty)
#   status  expected exit status (when absent, 0)
# $DATA is tests/data, $SHARED is ../shared, sx-* come from $SX_BIN.
# Usage: run.sh [PATTERN]   (only cases whose path contains PATTERN)
# SX_REGEN=1 rewrites out/err/status from the actual results (review the diff!).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${SX_BIN:=$root/bin}"
export PATH="$SX_BIN:$PATH" DATA="$root/tests/data" SHARED="${SX_SHARED:-$root/../shared}"
export LC_ALL=C TZ=UTC
pattern=${1:-}
pass=0 fail=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for dir in "$here"/*/*/; do
	dir=${dir%/}
	name=${dir#"$here"/}
	[ -f "$dir/cmd" ] || continue
	case "$name" in *"$pattern"*) ;; *) continue ;; esac
	work="$scratch/$name"
	mkdir -p "$work" && cp -R "$dir"/. "$work"/
	stdin=/dev/null
	[ -f "$dir/in" ] && stdin="$dir/in"
	( cd "$work" && timeout 60 bash ./cmd <"$stdin" >"$scratch/out" 2>"$scratch/err" )
	status=$?
	want_status=0
	[ -f "$dir/status" ] && want_status=$(cat "$dir/status")
	if [ -n "${SX_REGEN:-}" ]; then
		cp "$scratch/out" "$dir/out"
		if [ -s "$scratch/err" ]; then cp "$scratch/err" "$dir/err"; else rm -f "$dir/err"; fi
		if [ "$status" != 0 ]; then echo "$status" >"$dir/status"; else rm -f "$dir/status"; fi
		pass=$((pass + 1))
		continue
	fi
	ok=1
	if ! cmp -s "$scratch/out" "$dir/out" 2>/dev/null; then
		ok=0; echo "FAIL $name: stdout differs"; diff -u "$dir/out" "$scratch/out" | head -20
	fi
	if [ -f "$dir/err" ]; then
		if ! cmp -s "$scratch/err" "$dir/err"; then
			ok=0; echo "FAIL $name: stderr differs"; diff -u "$dir/err" "$scratch/err" | head -20
		fi
	elif [ -s "$scratch/err" ]; then
		ok=0; echo "FAIL $name: unexpected stderr"; head -5 "$scratch/err"
	fi
	if [ "$status" != "$want_status" ]; then
		ok=0; echo "FAIL $name: exit status $status, expected $want_status"
	fi
	if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "cli: $pass passed, $fail failed"
[ $fail = 0 ]
