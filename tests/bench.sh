#!/usr/bin/env bash
# make bench: throughput of each tool against jq and mlr on the same generated
# data, in one run.  Generates 1M events once (build/bench/, reused while the
# generator is unchanged), then runs every tests/bench/*.sh part (only the
# part named by SX_BENCH_ONLY=join, say, when set; SX_BENCH_N, or make
# bench BENCH_N=20000, for fewer events).  Each part uses
# `measure NAME CMD` (wall seconds and peak RSS) and `ratio`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/bin:$PATH" LC_ALL=C
N=${SX_BENCH_N:-1000000}
B="$root/build/bench"
mkdir -p "$B"
gen="${SX_SHARED:-$root/../shared}/tools/gen_events.py"
if [ ! -s "$B/events.ndjson" ] || [ ! -s "$B/events.csv" ] || [ ! -s "$B/events.csv.gz" ] ||
	[ "$(cat "$B/n" 2>/dev/null)" != "$N" ]; then
	echo "bench: generating $N events (1,000 devices)..."
	python3 "$gen" "$N" 1000 42 >"$B/events.ndjson"
	python3 "$gen" "$N" 1000 42 --csv >"$B/events.csv"
	gzip -1 -c "$B/events.csv" >"$B/events.csv.gz"
	echo "$N" >"$B/n"
fi
# measure_once NAME CMD: runs CMD (a shell string) once with stdout to
# /dev/null; prints "NAME  secs  CPU  peak-MB" and sets $SECS (wall), $CPU
# (user+sys: on a shared machine the steadier of the two) and $PEAK_MB.
measure_once() {
	local name=$1 cmd=$2 t0 t1
	t0=$(date +%s.%N)
	/usr/bin/time -f '%M %U %S' -o "$B/rss" bash -c "$cmd" >/dev/null
	t1=$(date +%s.%N)
	SECS=$(echo "$t1 - $t0" | bc -l)
	PEAK_MB=$(( $(tail -1 "$B/rss" | cut -d' ' -f1) / 1024 ))
	CPU=$(tail -1 "$B/rss" | awk '{print $2 + $3}')
	printf '  %-44s %7.2f s %6.2f s CPU %6d MB peak %9.0f events/s\n' "$name" "$SECS" "$CPU" \
		"$PEAK_MB" "$(echo "$N / $SECS" | bc -l)"
}
# measure NAME CMD: the same, but a command that takes under 3 s runs 3
# times and keeps the best time (on a shared machine one slow run says
# nothing about the tool); slow ones run once.  CMD must be repeatable.
measure() {
	local name=$1 cmd=$2 best="" cpu="" peak=0 runs=0
	while :; do
		measure_once "$name" "$cmd" >"$B/line"
		runs=$((runs + 1))
		if [ -z "$best" ] || [ "$(echo "$SECS < $best" | bc -l)" = 1 ]; then
			best=$SECS; cp "$B/line" "$B/best"
		fi
		if [ -z "$cpu" ] || [ "$(echo "$CPU < $cpu" | bc -l)" = 1 ]; then cpu=$CPU; fi
		[ "$PEAK_MB" -gt "$peak" ] && peak=$PEAK_MB
		if [ "$(echo "$best >= 3" | bc -l)" = 1 ] || [ "$runs" -ge 3 ]; then break; fi
	done
	SECS=$best CPU=$cpu PEAK_MB=$peak
	if [ "$runs" -gt 1 ]; then sed "s/\$/  (best of $runs)/" "$B/best"; else cat "$B/best"; fi
}
# ratio A B LABEL [A_CPU B_CPU]: prints how many times faster A (seconds) is
# than B, and by CPU time when given.
ratio() {
	if [ $# -ge 5 ]; then
		printf '  => %s: %sx (CPU %sx)\n' "$3" "$(quot "$2" "$1")" "$(quot "$5" "$4")"
	else
		printf '  => %s: %sx\n' "$3" "$(quot "$2" "$1")"
	fi
}
# quot A B [SCALE [DIGITS]]: A / B / SCALE to DIGITS (1) decimal places ("-"
# when B is 0: a time below the clock's resolution, as with a small N).
quot() {
	awk -v a="$1" -v b="$2" -v k="${3:-1}" -v d="${4:-1}" \
		'BEGIN { if (b > 0) printf "%.*f", d, a / b / k; else printf "-" }'
}
# zero_late NAME CMD: CMD (an sx-window or sx-join command; --stats is
# added) must see no late event, or its rows are not the rows a user wants
# (the --max-delay does not cover the data's disorder: the generator jitters
# events by up to 2 s).  Prints an INVALID line and fails otherwise; the
# caller then prints no result for it.
zero_late() {
	local late
	late=$(bash -c "$2 --stats" 2>&1 >/dev/null | sed -n 's/.*"late":\([0-9]*\).*/\1/p' | tail -1)
	[ "$late" = 0 ] && return 0
	echo "  $1: INVALID, ${late:-unknown} late events (--max-delay too small for the data)"
	return 1
}
# DuckDB, the peer a laptop analyst would pick (tests/bench/duckdb.cjs, its
# Node package installed into build/duckdb by tests/bench/duckdb-deps):
# duckdb_measure NAME WHAT FILE... measures it like measure does, or says
# SKIP (no node, no npm registry); sets DUCK_CPU (empty when skipped).
DUCK_DIR="$root/build/duckdb"
if why=$(bash "$root/tests/bench/duckdb-deps" "$DUCK_DIR"); then DUCK_OK=1; else DUCK_OK=""; fi
duckdb_measure() {
	local name=$1 what=$2
	shift 2
	DUCK_CPU=""
	if [ -z "$DUCK_OK" ]; then
		printf '  %-44s SKIP (%s)\n' "$name" "$DUCK_WHY"
		return 0
	fi
	measure "$name" "node '$root/tests/bench/duckdb.cjs' '$DUCK_DIR' $what $(printf "'%s' " "$@")"
	DUCK_CPU=$CPU
}
# cpu_ratio SX_CPU PEER_CPU LABEL: the same as ratio, for CPU seconds (DuckDB
# runs two threads: its wall time alone would flatter it on two cores).
cpu_ratio() {
	[ -n "$2" ] || return 0
	printf '  => %s: %sx (CPU)\n' "$3" "$(quot "$2" "$1")"
}
DUCK_WHY=${why:-}
export -f measure_once measure ratio quot zero_late duckdb_measure cpu_ratio
export B N DUCK_DIR DUCK_OK DUCK_WHY root
echo "bench: $N events, $(du -m "$B/events.ndjson" | cut -f1) MB NDJSON, $(nproc) cores"
for part in "$root"/tests/bench/*.sh; do
	[ -f "$part" ] || continue
	[ -z "${SX_BENCH_ONLY:-}" ] || [ "$(basename "$part" .sh)" = "$SX_BENCH_ONLY" ] || continue
	echo "== $(basename "$part" .sh)"
	source "$part"
done
