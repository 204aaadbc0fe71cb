#!/usr/bin/env bash
# make bench: throughput of each tool against jq and mlr on the same generated
# data, in one run.  Generates 1M events once (build/bench/, reused while the
# generator is unchanged), then runs every tests/bench/*.sh part (only the
# part named by SX_BENCH_ONLY=join, say, when set).  Each part uses
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
# /dev/null; prints "NAME  secs  peak-MB" and sets $SECS and $PEAK_MB.
measure_once() {
	local name=$1 cmd=$2 t0 t1
	t0=$(date +%s.%N)
	/usr/bin/time -f '%M' -o "$B/rss" bash -c "$cmd" >/dev/null
	t1=$(date +%s.%N)
	SECS=$(echo "$t1 - $t0" | bc -l)
	PEAK_MB=$(( $(tail -1 "$B/rss") / 1024 ))
	printf '  %-44s %7.2f s  %6d MB peak  %8.0f events/s\n' "$name" "$SECS" "$PEAK_MB" \
		"$(echo "$N / $SECS" | bc -l)"
}
# measure NAME CMD: the same, but a command that takes under 3 s runs 3
# times and keeps the best time (on a shared machine one slow run says
# nothing about the tool); slow ones run once.  CMD must be repeatable.
measure() {
	local name=$1 cmd=$2 best="" peak=0 runs=0
	while :; do
		measure_once "$name" "$cmd" >"$B/line"
		runs=$((runs + 1))
		if [ -z "$best" ] || [ "$(echo "$SECS < $best" | bc -l)" = 1 ]; then
			best=$SECS; cp "$B/line" "$B/best"
		fi
		[ "$PEAK_MB" -gt "$peak" ] && peak=$PEAK_MB
		if [ "$(echo "$best >= 3" | bc -l)" = 1 ] || [ "$runs" -ge 3 ]; then break; fi
	done
	SECS=$best PEAK_MB=$peak
	if [ "$runs" -gt 1 ]; then sed "s/\$/  (best of $runs)/" "$B/best"; else cat "$B/best"; fi
}
# ratio A B LABEL: prints how many times faster A (seconds) is than B.
ratio() {
	printf '  => %s: %.1fx\n' "$3" "$(echo "$2 / $1" | bc -l)"
}
export -f measure_once measure ratio
export B N
echo "bench: $N events, $(du -m "$B/events.ndjson" | cut -f1) MB NDJSON, $(nproc) cores"
for part in "$root"/tests/bench/*.sh; do
	[ -f "$part" ] || continue
	[ -z "${SX_BENCH_ONLY:-}" ] || [ "$(basename "$part" .sh)" = "$SX_BENCH_ONLY" ] || continue
	echo "== $(basename "$part" .sh)"
	source "$part"
done
