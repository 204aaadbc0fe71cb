#!/usr/bin/env bash
# A live broker: Debian's mosquitto on loopback (its own config, a free port,
# no persistence), started and stopped here.  A publisher sends events with
# event time = now for ~20 s; the pipeline
#   mosquitto_sub -F %J | sx-ingest --envelope mosquitto | sx-window --idle-timeout
#     | sx-emit-sql | sqlite3
# must land every window with the counts published, each row within
# max-delay + 1 s of its window's end (plus a margin for a loaded machine; the
# latencies are printed).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
: "${ROOT:=$(cd "$here/../.." && pwd)}"
export PATH="${SX_BIN:-$ROOT/bin}:$PATH" LC_ALL=C TZ=UTC
for c in mosquitto mosquitto_sub mosquitto_pub sqlite3; do
	command -v "$c" >/dev/null || { echo "SKIP test_mqtt: no $c"; exit 0; }
done
tmp=$(mktemp -d)
pids=() group=""
cleanup() {
	[ -n "$group" ] && kill -TERM -- -"$group" 2>/dev/null
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"

SECONDS_LIVE=${SX_MQTT_SECONDS:-20}
WIN=2 MAXDELAY=1 MARGIN=${SX_MQTT_MARGIN:-2}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >mosquitto.conf <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
log_dest stderr
CONF
mosquitto -c mosquitto.conf 2>mosquitto.log & pids+=($!)
for _ in $(seq 50); do
	mosquitto_pub -h 127.0.0.1 -p "$port" -t probe -m x 2>/dev/null && break
	sleep 0.1
done

# The pipeline, live, in its own process group (setsid), stopped as one.
export port MAXDELAY WIN
setsid bash -c 'mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -t "sensors/#" -F %J \
	| sx-ingest --envelope mosquitto -t ts \
	| sx-window -t ts --max-delay ${MAXDELAY}s --idle-timeout 1s --tumbling ${WIN}s \
		-g deviceId -a "n=count()" -a "t=sum(temperature)" \
	| sx-emit-sql --table w --create | sqlite3 -bail live.db' 2>pipeline.err &
group=$!
sleep 1.5  # the subscription in place

# Poll the table: when each (window_end, deviceId) row is first seen.
python3 - "$tmp/live.db" >landed.txt <<'PY' & poller=$!
import sqlite3, sys, time, os
seen = {}
stop = sys.argv[1] + ".stop"
while not os.path.exists(stop):
    try:
        c = sqlite3.connect(sys.argv[1], timeout=1)
        for we, dev in c.execute("select window_end, deviceId from w"):
            if (we, dev) not in seen:
                seen[(we, dev)] = time.time()
                print(we, dev, "%.3f" % seen[(we, dev)], flush=True)
        c.close()
    except sqlite3.Error:
        pass
    time.sleep(0.05)
PY
pids+=($poller)

# The publisher: ~25 events/s over 3 devices, event time = now; a copy kept.
python3 - "$SECONDS_LIVE" <<'PY' | tee published.ndjson \
	| mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -t sensors/room1 -l
import sys, time, datetime, random
r = random.Random(1); end = time.time() + float(sys.argv[1])
while time.time() < end:
    now = datetime.datetime.now(datetime.timezone.utc)
    ts = now.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (now.microsecond // 1000)
    print('{"ts":"%s","deviceId":"d%d","temperature":%d}' % (ts, r.randrange(3), r.randrange(100)), flush=True)
    time.sleep(0.04)
PY
pub_end=$(date +%s.%N)
# Every window closes by the idle timeout; wait for the last rows to land.
sleep $((MAXDELAY + 1 + MARGIN + 2))
touch live.db.stop; wait "$poller"
# (the rows counted below all landed while the pipeline was live)
kill -TERM -- -"$group" 2>/dev/null; wait "$group" 2>/dev/null; group=""

npub=$(wc -l <published.ndjson)
check mqtt-published-enough [ "$npub" -gt $((SECONDS_LIVE * 10)) ]

# What was published, counted directly: windows (start, end], end = ceil(t/WIN)*WIN.
python3 - "$WIN" published.ndjson >want.txt <<'PY'
import sys, json, datetime, math, collections
w = int(sys.argv[1]); n = collections.Counter(); t = collections.Counter()
for line in open(sys.argv[2]):
    e = json.loads(line)
    ms = int(datetime.datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp() * 1000 + 0.5)
    end = -(-ms // (w * 1000)) * w
    k = (datetime.datetime.fromtimestamp(end, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"), e["deviceId"])
    n[k] += 1; t[k] += e["temperature"]
for k in sorted(n): print(k[0], k[1], n[k], t[k])
PY
sqlite3 -separator ' ' live.db 'select window_end, deviceId, n, t from w order by 1, 2' >got.txt 2>&1
if [ -s want.txt ] && cmp -s want.txt got.txt; then
	echo "ok mqtt-window-counts-equal-published ($(wc -l <got.txt) rows, $npub events)"
else
	echo "FAIL mqtt-window-counts-equal-published"; diff want.txt got.txt | head -10; head -5 pipeline.err
fi

# Latency: landing time - window end, for every row.
python3 - "$MAXDELAY" "$MARGIN" landed.txt <<'PY'
import sys, datetime
md, margin = float(sys.argv[1]), float(sys.argv[2])
lat = []
for line in open(sys.argv[3]):
    we, dev, seen = line.split()
    end = datetime.datetime.strptime(we, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
    lat.append(float(seen) - end)
lat.sort()
if not lat:
    print("FAIL mqtt-landing-latency: no rows seen landing"); sys.exit()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
summary = "n=%d min=%.2fs median=%.2fs p95=%.2fs max=%.2fs (nominal bound %.1fs, asserted %.1fs)" % (
    len(lat), lat[0], p(0.5), p(0.95), lat[-1], md + 1, md + 1 + margin)
print(("ok" if lat[-1] <= md + 1 + margin else "FAIL") + " mqtt-landing-latency " + summary)
PY
