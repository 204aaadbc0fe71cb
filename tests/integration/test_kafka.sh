#!/usr/bin/env bash
# A Kafka-protocol broker on loopback: librdkafka's built-in mock cluster,
# started inside a long-lived kcat (Debian's kcat links librdkafka):
#   kcat -b 127.0.0.1:9 -X test.mock.num.brokers=1 -C -t _sx_keepalive -o end
# prints "Mock cluster enabled: ... replaced with 127.0.0.1:PORT" on stderr;
# every other kcat connects there with -b 127.0.0.1:PORT.  The cluster lives
# as long as that process does, and creates a topic on first use with 4
# partitions (librdkafka's mock default).
#
# 4,000 generated events, produced keyed by deviceId (kcat -P -K), so each
# device lands in one partition.  Read back as a backlog, kcat delivers the
# partitions one run at a time; one sx pipeline per consumer
#   kcat -J | sx-ingest --envelope kcat -t ts | sx-window -t ts ... --stats
# must then give exactly the rows of one pass over the events sorted by time,
# with 0 late events, when sx-window keeps a clock per partition
# (--partition-field PartitionId --partitions 4): for one plain consumer
# (kcat -C -e) and for consumer groups of 1, 2 and 4 members (kcat -G), where
# the union of the members' rows is compared (a device's events are all in one
# partition, so all in one member's windows).  Without --partition-field the
# same backlog makes most events late and the rows differ (issue 15): checked
# too, so the test shows the flag is what matters.  The *-partition-clocks
# checks need sx-window's --partition-field and --partitions (issue 15).
# Prints ok/FAIL lines, then "test_kafka: N passed, N failed"; SKIPs without
# kcat.  Everything is started and stopped here, each step under timeout.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${ROOT:=$(cd "$here/../.." && pwd)}" "${SHARED:=$ROOT/../shared}"
export PATH="${SX_BIN:-$ROOT/bin}:$PATH" LC_ALL=C TZ=UTC
if ! command -v kcat >/dev/null; then
	echo "SKIP test_kafka: no kcat (Debian package kcat; make deps-test installs it)"
	echo "test_kafka: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
pass=0 fail=0
ok() { echo "ok $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
mock="" members=() held=""
cleanup() {
	[ -n "$held" ] && kill -CONT "$held" 2>/dev/null
	for p in "${members[@]}" $mock; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"

N=4000 TOPIC=ev PARTS=4
WIN='-t ts --tumbling 1m -g deviceId --max-delay 3s -a n=count() -a lo=min(temperature) -a hi=max(temperature)'
PART='--partition-field PartitionId --partitions 4'
# late COUNT from a --stats line (empty when there is none)
late() { sed -n 's/.*"late":\([0-9]*\).*/\1/p' "$1" | tail -n 1; }
# same_rows NAME ROWS STATS...: ROWS (sorted) equal the one pass ($ONE), 0 late in all STATS
ONE=one.rows
same_rows() {
	local name=$1 rows=$2 total=0 l s; shift 2
	for s in "$@"; do
		l=$(late "$s")
		if [ -z "$l" ]; then bad "$name: no --stats line in $s: $(head -c 300 "$s")"; return; fi
		total=$((total + l))
	done
	if [ "$total" = 0 ] && cmp -s "$ONE" "$rows"; then
		ok "$name ($(wc -l <"$rows") rows, 0 late)"
	else
		bad "$name: $total late, $(wc -l <"$rows") rows (one pass: $(wc -l <"$ONE"))"
		diff "$ONE" "$rows" | head -n 4
	fi
}

# ---- the events and the one ordered pass they must give
python3 "$SHARED/tools/gen_events.py" $N >events.ndjson
sort -s -t '"' -k4,4 events.ndjson >sorted.ndjson    # by ts (the first field)
sx-ingest -t ts sorted.ndjson | sx-window $WIN --stats 2>one.stats | sort >one.rows
if [ "$(late one.stats)" = 0 ] && [ "$(wc -l <one.rows)" -gt 100 ]; then
	ok "kafka-one-pass-reference ($(wc -l <one.rows) rows)"
else
	bad "kafka-one-pass-reference: $(cat one.stats)"
fi

# ---- the broker: a mock cluster living in one kcat, its address from stderr
timeout 600 kcat -b 127.0.0.1:9 -X test.mock.num.brokers=1 -C -t _sx_keepalive -o end \
	>/dev/null 2>mock.log &
mock=$!
BS=""
for _ in $(seq 100); do
	BS=$(sed -n 's/.*replaced with \(127\.0\.0\.1:[0-9]*\).*/\1/p' mock.log)
	[ -n "$BS" ] && break
	sleep 0.1
done
if [ -z "$BS" ]; then
	bad "kafka-mock-cluster-starts: no bootstrap address: $(head -c 300 mock.log)"
	echo "test_kafka: $pass passed, $fail failed"; exit 1
fi
ok "kafka-mock-cluster-starts (bootstrap.servers=$BS)"

# ---- produce, keyed by deviceId: "KEY<TAB>JSON" lines
sed 's/.*"deviceId":"\([^"]*\)".*/\1\t&/' events.ndjson >keyed.txt
timeout 60 kcat -b "$BS" -P -t $TOPIC -K '\t' -l keyed.txt 2>produce.err
rc=$?
nparts=$(timeout 30 kcat -b "$BS" -L -t $TOPIC 2>&1 | sed -n "s/.*topic \"$TOPIC\" with \([0-9]*\) partitions.*/\1/p")
if [ $rc = 0 ] && [ "$nparts" = $PARTS ] && [ "$(wc -l <keyed.txt)" = $N ]; then
	ok "kafka-produce-keyed ($N events, topic $TOPIC with $nparts partitions)"
else
	bad "kafka-produce-keyed: $(wc -l <keyed.txt) events, kcat -P exit $rc, ${nparts:-no} partitions: $(head -c 300 produce.err)"
	echo "test_kafka: $pass passed, $fail failed"; exit 1
fi

# ---- one consumer reads the backlog; the envelope gives each record its PartitionId
timeout 60 kcat -b "$BS" -C -t $TOPIC -J -e -q >single.json 2>single.err
timeout 60 sx-ingest --envelope kcat -t ts single.json >single.ndjson 2>ingest.err
python3 - single.json single.ndjson $N >envelope.txt <<'PY'
import json, sys
env = [json.loads(l) for l in open(sys.argv[1])]
rec = [json.loads(l) for l in open(sys.argv[2])]
n = int(sys.argv[3])
why = []
if len(env) != n or len(rec) != n:
    why.append("%d envelopes, %d records, want %d" % (len(env), len(rec), n))
if len({(e["partition"], e["offset"]) for e in env}) != len(env):
    why.append("a message twice")
for e, r in zip(env, rec):
    if r.get("PartitionId") != e["partition"] or r.get("Offset") != e["offset"] or r.get("Key") != e["key"]:
        why.append("record %r has PartitionId/Offset/Key %r/%r/%r" % (r, r.get("PartitionId"), r.get("Offset"), r.get("Key")))
        break
home = {}
for r in rec:
    home.setdefault(r["deviceId"], set()).add(r["PartitionId"])
if any(len(p) != 1 for p in home.values()):
    why.append("a device in two partitions")
runs = 1 + sum(1 for a, b in zip(env, env[1:]) if a["partition"] != b["partition"])
print("; ".join(why) if why else "ok %d devices in %d partitions, delivered in %d runs"
      % (len(home), len({r["PartitionId"] for r in rec}), runs))
PY
case $(cat envelope.txt) in
ok*) ok "kafka-envelope-partition-id ($(cut -c4- envelope.txt))" ;;
*) bad "kafka-envelope-partition-id: $(cat envelope.txt) $(head -c 300 ingest.err)" ;;
esac

# ---- today's problem: one clock for a backlog delivered partition by partition
sx-ingest --envelope kcat -t ts single.json | sx-window $WIN --stats 2>noflag.stats | sort >noflag.rows
l=$(late noflag.stats)
if [ "${l:-0}" -gt $((N / 4)) ] && ! cmp -s one.rows noflag.rows; then
	ok "kafka-one-clock-makes-backlog-late (without --partition-field: $l of $N late, $(wc -l <noflag.rows) rows)"
else
	bad "kafka-one-clock-makes-backlog-late: ${l:-no} late, the test no longer shows the problem"
fi

# ---- (a) one consumer, live: kcat -C -J -e | sx-ingest | sx-window, a clock per partition
( set -o pipefail
  timeout 60 kcat -b "$BS" -C -t $TOPIC -J -e -q 2>a.kcat.err \
	| timeout 60 sx-ingest --envelope kcat -t ts \
	| timeout 60 sx-window $WIN $PART --stats 2>a.stats >a.out
  echo $? >a.rc )
sort a.out >a.rows
if [ "$(cat a.rc)" != 0 ]; then
	bad "kafka-consumer-partition-clocks: pipeline exit $(cat a.rc): $(head -c 300 a.stats)"
else
	same_rows kafka-consumer-partition-clocks a.rows a.stats
fi

# Windows over all devices, on the same deliveries: --partitions makes a
# partition that has not spoken yet hold the clock, so no window closes
# without it.  (--partition-field alone is not enough for a backlog: a
# partition first heard after the clock has passed its events is late, so the
# rows would depend on how kcat interleaves the partitions' runs.)
ALL='-t ts --tumbling 1m --max-delay 3s -a n=count() -a lo=min(temperature) -a hi=max(temperature)'
sx-ingest -t ts sorted.ndjson | sx-window $ALL | sort >one-all.rows
sx-ingest --envelope kcat -t ts single.json \
	| timeout 60 sx-window $ALL $PART --stats 2>all.stats | sort >all.rows
ONE=one-all.rows same_rows kafka-consumer-all-devices-partitions all.rows all.stats

# ---- (b) consumer groups of 1, 2 and 4 members, one live pipeline each
# librdkafka 2.0's mock coordinator completes a generation as soon as the
# leader (the first member to join) sends its SyncGroup; a member whose
# SyncGroup comes after that is answered "Invalid request" (a real broker
# waits for every member), rejoins, and the group rebalances, reading a
# partition again.  So the leader joins first and is held (SIGSTOP) until
# every other member has its JoinGroup answer and has sent its SyncGroup
# (-d cgrp logs "wait-join -> wait-sync"); a group that rebalanced anyway
# ("synchronization failed") is stopped at once and tried again.
# member G I: start member I of group G, "kcat -G | tee | sx-ingest |
# sx-window" (files G.I.*); tee -p keeps it reading (and its copy complete)
# if its pipeline fails
member() {
	( timeout 60 bash -c 'echo $$ >"$1.kcat.pid"; shift; exec "$@"' _ "$1.$2" \
		kcat -b "$BS" -G "$1" -J -u -o beginning -d cgrp $TOPIC 2>"$1.$2.kcat.err" \
		| tee -p "$1.$2.json" \
		| timeout 90 sx-ingest --envelope kcat -t ts \
		| timeout 90 sx-window $WIN $PART --idle-timeout 60s --stats 2>"$1.$2.stats" >"$1.$2.out"
	  echo "${PIPESTATUS[*]}" >"$1.$2.rc" ) &
	members+=($!)
}
# logged FILE PATTERN: wait (up to 15 s) until FILE has a line with PATTERN
logged() {
	local t
	for t in $(seq 150); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
# group_run G M: M members of group G, stopped once they have read all N
group_run() {
	local g=$1 m=$2 i got
	members=() held=""
	member "$g" 1
	if [ "$m" -gt 1 ]; then
		if logged "$g.1.kcat.err" 'join state init -> wait-join'; then
			sleep 0.3   # its JoinGroup at the coordinator: the leader
			held=$(cat "$g.1.kcat.pid"); kill -STOP "$held"
		fi
		for i in $(seq 2 "$m"); do member "$g" "$i"; done
		if [ -n "$held" ]; then
			for i in $(seq 2 "$m"); do logged "$g.$i.kcat.err" 'wait-join -> wait-sync'; done
			sleep 0.3   # their SyncGroups at the coordinator
			kill -CONT "$held"; held=""
		fi
	fi
	SECONDS=0 got=0
	while [ $SECONDS -lt 30 ]; do
		got=$(cat "$g".*.json 2>/dev/null | wc -l)
		[ "$got" -ge $N ] && break
		grep -q 'synchronization failed' "$g".*.kcat.err && break
		sleep 0.2
	done
	# a member stops on SIGTERM: kcat closes, its pipeline sees the end of input
	for i in $(seq "$m"); do
		[ -s "$g.$i.kcat.pid" ] && kill "$(cat "$g.$i.kcat.pid")" 2>/dev/null
	done
	wait "${members[@]}" 2>/dev/null
	members=()
}
# group_check G M: "ok" when one generation assigned each member 4/M
# partitions, together all, and every message reached exactly one member;
# "retry: ..." when the group rebalanced, else what is wrong
group_check() {
	python3 - "$1" "$2" $N $PARTS <<'PY'
import json, re, sys
g, m, n, parts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
owned, seen, why = [], [], []
for i in range(1, m + 1):
    log = open("%s.%d.kcat.err" % (g, i)).read().splitlines()
    if any("synchronization failed" in l for l in log):
        why.append("retry: member %d: SyncGroup refused by the mock coordinator" % i)
    a = [l for l in log if l.startswith("% Group") and "assigned:" in l]
    if len(a) != 1:
        why.append("retry: member %d assigned %d times" % (i, len(a)))
        continue
    p = sorted(int(x) for x in re.findall(r"\[(\d+)\]", a[0]))
    owned += p
    for l in open("%s.%d.json" % (g, i)):
        try:
            e = json.loads(l)
        except ValueError:
            why.append("member %d wrote a broken line %r" % (i, l[:80]))
            break
        seen.append((e["partition"], e["offset"]))
        if e["partition"] not in p:
            why.append("member %d read partition %d, assigned %s" % (i, e["partition"], p))
            break
    if len(p) != parts // m:
        why.append("member %d holds %s" % (i, p))
if sorted(owned) != list(range(parts)):
    why.append("assigned %s" % sorted(owned))
if len(seen) != n or len(set(seen)) != n:
    why.append("%d messages read, %d distinct, want %d" % (len(seen), len(set(seen)), n))
# "retry: ..." first when the group rebalanced (then the rest follows from it)
why.sort(key=lambda w: not w.startswith("retry:"))
print("; ".join(why) if why else "ok")
PY
}
for m in 1 2 4; do
	# A refused SyncGroup, or a member joining after the first generation,
	# forces a rebalance (offsets committed or not): try a new group.
	for attempt in 1 2 3; do
		g=g$m-$attempt
		group_run "$g" "$m"
		chk=$(group_check "$g" "$m")
		case $chk in retry:*) echo "# group of $m, attempt $attempt: $chk" ;; *) break ;; esac
	done
	if [ "$chk" = ok ]; then
		ok "kafka-group-$m-assigned ($m member(s), $((PARTS / m)) partition(s) each, every message once)"
	else
		bad "kafka-group-$m-assigned: $chk"
	fi
	# kcat ends by the signal; sx-ingest and sx-window must exit 0
	rcs=$(cut -d' ' -f3,4 "$g".*.rc | tr ' ' '\n' | sort -u | tr '\n' ' ')
	cat "$g".*.out | sort >"$g.rows"
	if [ "$rcs" != "0 " ]; then
		bad "kafka-group-$m-partition-clocks: pipeline exits $rcs: $(head -c 300 "$g.1.stats")"
	else
		same_rows "kafka-group-$m-partition-clocks: the union of $m member(s)' rows" "$g.rows" "$g".*.stats
	fi
	# The same deliveries through one clock per pipeline: members holding
	# more than one partition see late events (issue 15: 2 members, fewer rows).
	if [ "$m" -lt $PARTS ]; then
		tl=0
		for i in $(seq "$m"); do
			sx-ingest --envelope kcat -t ts "$g.$i.json" \
				| timeout 60 sx-window $WIN --stats 2>"$g.$i.noflag.stats" >"$g.$i.noflag"
			l=$(late "$g.$i.noflag.stats"); tl=$((tl + ${l:-0}))
		done
		cat "$g".*.noflag | sort >"$g.noflag.rows"
		if [ "$tl" -gt 0 ] && ! cmp -s one.rows "$g.noflag.rows"; then
			ok "kafka-group-$m-one-clock-differs (without --partition-field: $tl late, $(wc -l <"$g.noflag.rows") rows)"
		else
			bad "kafka-group-$m-one-clock-differs: $tl late, the test no longer shows the problem"
		fi
	fi
done

echo "test_kafka: $pass passed, $fail failed"
[ $fail = 0 ]
