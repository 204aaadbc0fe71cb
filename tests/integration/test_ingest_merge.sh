#!/usr/bin/env bash
# sx-ingest's time merge (issue 15): per-partition files come out as one
# stream in event-time order.
#  1. 4,000 generated events split into two files by device: the merged
#     stream through sx-window --max-delay 3s has 0 late events and exactly
#     the rows of one pass over the events in time order (file after file:
#     about half late).
#  2. The files grow between runs, cut at random points (lines and bytes),
#     with --checkpoint (and --defer-commit + --commit): every run's output
#     is in time order, and all the runs together are one run's records,
#     each exactly once.  With --defer-commit, a run is also killed in the
#     middle of its merge before each delivered run (its output dropped,
#     its checkpoint not committed, as a failed sink would).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
: "${ROOT:=$(cd "$here/../.." && pwd)}"
export PATH="${SX_BIN:-$ROOT/bin}:$PATH" LC_ALL=C TZ=UTC
gen="$ROOT/../shared/tools/gen_events.py"
[ -f "$gen" ] || { echo "SKIP test_ingest_merge: no $gen"; exit 0; }
command -v jq >/dev/null || { echo "SKIP test_ingest_merge: no jq"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

python3 "$gen" 4000 > ev.ndjson
grep -E '"dev-00[0-4][0-9]"' ev.ndjson > a.ndjson
grep -vE '"dev-00[0-4][0-9]"' ev.ndjson > b.ndjson
jq -c -s 'sort_by(.ts)[]' ev.ndjson > ordered.ndjson
win() { sx-window -t ts --tumbling 1m -g deviceId --max-delay 3s --stats "$@"; }
sx-ingest -t ts ordered.ndjson | win > one.out 2>/dev/null
sx-ingest -t ts a.ndjson b.ndjson | win > merged.out 2> merged.err
expect_eq merge-two-files-no-late 0 "$(jq -r .late merged.err)"
check merge-two-files-rows-of-one-pass cmp -s one.out merged.out
sx-ingest -t ts --no-merge a.ndjson b.ndjson | win > /dev/null 2> nomerge.err
check no-merge-file-after-file-is-late test "$(jq -r .late nomerge.err)" -gt 1000

# 2. random stop points: each file is delivered in random pieces, and a
# checkpointed run after each delivery takes what is new
in_order() { jq -r .ts "$1" | sort -c 2>/dev/null; }
for mode in plain defer; do
	for trial in 1 2 3; do
		rm -rf land out.* ck*; mkdir land
		# three partition files, each cut at 4 random byte offsets
		for p in 0 1 2; do
			awk -v p=$p 'NR % 3 == p' ordered.ndjson > part$p.full
		done
		runs=0 ordered=yes failed=no
		for step in 1 2 3 4 5; do
			for p in 0 1 2; do
				size=$(wc -c < part$p.full)
				if [ $step -eq 5 ]; then upto=$size; else upto=$(( (RANDOM * 32768 + RANDOM) % (size + 1) )); fi
				have=$( [ -f land/p$p.ndjson ] && wc -c < land/p$p.ndjson || echo 0)
				[ "$upto" -gt "$have" ] && tail -c +$((have + 1)) part$p.full | head -c $((upto - have)) >> land/p$p.ndjson
			done
			# (a piece cut inside a line: its young tail waits for the next
			# run, --settle 1h however slow the machine)
			runs=$((runs + 1))
			if [ $mode = defer ]; then
				# a run killed in the middle of its merge: its output is
				# not delivered and its checkpoint never committed
				( timeout -s KILL 0.0$((RANDOM % 9 + 1)) \
					sx-ingest -t ts --max-delay 2s --settle 1h --checkpoint ck --defer-commit land > /dev/null 2>&1 || true ) 2>/dev/null
				rm -f ck.pending
				sx-ingest -t ts --max-delay 2s --settle 1h --checkpoint ck --defer-commit land > out.$runs 2>>err.log || failed=yes
				[ ! -f ck.pending ] || sx-ingest --commit ck
			else
				sx-ingest -t ts --max-delay 2s --settle 1h --checkpoint ck land > out.$runs 2>>err.log || failed=yes
			fi
			in_order out.$runs || ordered=no
		done
		expect_eq "merge-checkpoint-$mode-$trial-each-run-in-time-order" yes "$ordered"
		expect_eq "merge-checkpoint-$mode-$trial-no-run-failed" no "$failed"
		sx-ingest -t ts --max-delay 2s land > one.all
		cat out.* | sort > runs.sorted
		sort one.all > one.sorted
		check "merge-checkpoint-$mode-$trial-runs-are-one-run" cmp -s runs.sorted one.sorted
		check "merge-checkpoint-$mode-$trial-one-run-in-time-order" in_order one.all
	done
done
