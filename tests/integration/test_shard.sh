#!/usr/bin/env bash
# Scale-out: N=4 shards (sx-ingest --shard I/4 --shard-key deviceId), run by
# GNU parallel, give exactly the rows of one pipeline, for tumbling, hopping
# and session windows, on gen_events data where some device ids are numbers
# spelled differently by value (7, 7.0, 70e-1: one key, so one shard).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
: "${ROOT:=$(cd "$here/../.." && pwd)}" "${SHARED:=$ROOT/../shared}"
export PATH="${SX_BIN:-$ROOT/bin}:$PATH" LC_ALL=C TZ=UTC
if ! command -v parallel >/dev/null; then echo "SKIP test_shard: no GNU parallel"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

# 20000 events over ~17 minutes, 50 devices; devices 0-9 become numbers
# spelled three ways (an integer, a decimal, an exponent).
python3 "$SHARED/tools/gen_events.py" 20000 50 7 | python3 -c '
import sys, re
sp = ["%d", "%d.0", "%de0"]
for i, line in enumerate(sys.stdin):
    m = re.search(r"\"deviceId\":\"dev-00(0\d)\"", line)
    if m:
        k = int(m.group(1))
        line = line.replace(m.group(0), "\"deviceId\":" + sp[i % 3] % k)
    sys.stdout.write(line)' >events.ndjson
expect_eq shard-numeric-keys-present 1 "$(grep -c '"deviceId":3\.0,' events.ndjson | awk '{print ($1 > 0)}')"

agg='-a n=count() -a t=sum(temperature) -a lo=min(humidity) -a hi=max(humidity) -a first=first(status)'
declare -A windows=(
	[tumbling]="--tumbling 10s"
	[hopping]="--hopping 30s --hop 10s"
	[session]="--session 5s --max-duration 1m"
)
for w in tumbling hopping session; do
	win="-t ts --max-delay 3s ${windows[$w]} -g deviceId $agg"
	# One pipeline.
	sx-ingest -t ts events.ndjson | sx-window $win | sort >one.$w
	# Four, one per shard, side by side.
	export win
	parallel --will-cite -j4 'sx-ingest --shard {}/4 --shard-key deviceId -t ts events.ndjson \
		| sx-window $win > out.{}' ::: 0 1 2 3
	rc=$?
	expect_eq "shard-$w-parallel-status" 0 "$rc"
	nonempty=0
	for i in 0 1 2 3; do [ -s "out.$i" ] && nonempty=$((nonempty + 1)); done
	expect_eq "shard-$w-every-shard-has-rows" 4 "$nonempty"
	cat out.0 out.1 out.2 out.3 | sort >four.$w
	rows=$(wc -l <one.$w)
	if [ "$rows" -gt 100 ] && cmp -s one.$w four.$w; then
		echo "ok shard-$w-four-shards-equal-one-pipeline ($rows rows)"
	else
		echo "FAIL shard-$w-four-shards-equal-one-pipeline: $rows rows in one pipeline"
		diff one.$w four.$w | head -5
	fi
	# A key lives in exactly one shard: numbers equal by value included.
	for i in 0 1 2 3; do jq -r '.deviceId' "out.$i" | sort -u | sed "s/^/$i /"; done >keys.$w
	dup=$(awk '{print $2}' keys.$w | sort | uniq -d | wc -l)
	expect_eq "shard-$w-keys-disjoint" 0 "$dup"
	nkeys=$(jq -r '.deviceId' one.$w | sort -u | wc -l)
	expect_eq "shard-$w-numeric-spellings-one-key" 50 "$nkeys"
	rm -f out.?
done

# The shards partition the records: every record in exactly one shard.
for i in 0 1 2 3; do sx-ingest --shard $i/4 --shard-key deviceId -t ts events.ndjson; done | sort >sharded
sx-ingest -t ts events.ndjson | sort >unsharded
check shard-records-partitioned cmp -s sharded unsharded

# CSV spells numbers as text: 7 and 7.0 still share a shard.
printf 'ts,deviceId\n2026-01-01T00:00:01Z,7\n2026-01-01T00:00:02Z,7.0\n2026-01-01T00:00:03Z,70e-1\n' >n.csv
hit=""
for i in 0 1 2 3; do
	c=$(sx-ingest --shard $i/4 --shard-key deviceId -t ts n.csv | wc -l)
	[ "$c" -gt 0 ] && hit="$hit$i:$c "
done
expect_eq shard-csv-numeric-spellings-one-shard 1 "$(echo $hit | wc -w)"
