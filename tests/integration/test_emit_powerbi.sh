#!/usr/bin/env bash
# sx-emit-powerbi against a local stand-in for the Power BI REST API
# (pbi_server.py): push and streaming datasets, limits, 429/5xx/dropped
# connections, dead letters, tokens, --create-dataset, signals, a live
# pipeline.  Prints ok/FAIL lines, then "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/pbi_lib.sh"
TOK=tok-secret-1
KEY='key/secret+2'
KEYENC='key%2Fsecret%2B2'

# py FILE... -- PYTHON: run a check over the server's files
py() { python3 -c "$@"; }
# once N FILE row|record: "ok" when FILE's rows (or dead letters' records)
# have the ids 0..N-1 exactly once, else a summary
once() { python3 -c 'import json,sys
n, f, kind = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ids = [json.loads(l)["record"]["id"] if kind == "record" else json.loads(l)["id"] for l in open(f)]
print("ok" if sorted(ids) == list(range(n)) else "%d rows, %d distinct, %d missing" % (len(ids), len(set(ids)), len(set(range(n)) - set(ids))))' "$@"; }
# time per part, on stderr
section() { echo "# ${SECONDS}s: line ${BASH_LINENO[0]}" >&2; }

section; # ---- 25,000 rows through a 429 and a 500: exactly once, Retry-After honoured
gen_rows 25000 >"$W/in25k"
head -n 10000 "$W/in25k" >"$W/in10k"
pbi_start push --fail 2:429 --fail 3:500 --retry-after 2
POWERBI_TOKEN=$TOK sx-emit-powerbi --dataset d1 --table t --api-base "http://127.0.0.1:$PORT" \
	--stats "$W/in25k" >"$W/push.out" 2>"$W/push.err"
expect_eq push-exit 0 $?
expect_eq push-exactly-once ok "$(once 25000 "$W/push.rows" row)"
expect_eq push-max-10000-rows "" "$(py 'import json,sys
print("\n".join(l for l in open(sys.argv[1]) if json.loads(l)["rows"] > 10000))' "$W/push.log")"
# the throttled batch is sent again 2 s after the 429 at the earliest, and no
# request starts in between (0.3 s allowed for the server to read one sent before)
expect_eq push-retry-after-honoured ok "$(py 'import json,sys
log = [json.loads(l) for l in open(sys.argv[1])]
r429 = [r for r in log if r["status"] == 429][0]
t = r429["t"]
again = [r["t0"] for r in log if r["t0"] > t and r["bytes"] == r429["bytes"]]
between = [r["t0"] - t for r in log if t + 0.3 < r["t0"] < t + 1.9]
print("ok" if again and min(again) - t >= 1.9 and not between else "retry after %r, others %r" % ([a - t for a in again], between))' "$W/push.log")"
expect_eq push-no-violations "" "$(grep violation "$W/push.log")"
check push-stats-counts grep -q '"records_out":25000,.*"requests":5,"retries":2,"throttled":1' "$W/push.err"
expect_eq push-bearer "Bearer $TOK" "$(py 'import json,sys
print(set(json.loads(l)["auth"] for l in open(sys.argv[1])).pop())' "$W/push.log")"
no_secret push-no-secret "$W/push.out" "$W/push.err"
pbi_stop push

section; # ---- http_proxy is honoured: the request reaches the proxy (the stand-in) for a host that does not exist
pbi_start proxy
env -u no_proxy -u NO_PROXY http_proxy="http://127.0.0.1:$PORT" POWERBI_TOKEN=$TOK sx-emit-powerbi --dataset d1 \
	--table t --api-base http://pbi.invalid --retry-for 0 "$W/in10k" 2>"$W/proxy.err"
expect_eq proxy-exit 0 $?
expect_eq proxy-absolute-uri "http://pbi.invalid/v1.0/myorg/datasets/d1/tables/t/rows" "$(py 'import json,sys
print(set(json.loads(l)["path"] for l in open(sys.argv[1])).pop())' "$W/proxy.log")"
expect_eq proxy-rows 10000 "$(wc -l <"$W/proxy.rows")"
pbi_stop proxy

section; # ---- a dropped connection and a slow answer: retried, still exactly once
pbi_start drop --drop 1 --slow 3:1.5
gen_rows 3000 >"$W/in3k"
POWERBI_TOKEN=$TOK sx-emit-powerbi --dataset d1 --table t --api-base "http://127.0.0.1:$PORT" \
	--batch 500 "$W/in3k" 2>"$W/drop.err"
expect_eq drop-exit 0 $?
expect_eq drop-exactly-once ok "$(once 3000 "$W/drop.rows" row)"
pbi_stop drop

section; # ---- a timeout is retried (the rows can then arrive twice: POST is not idempotent)
pbi_start slow --slow 1:3
gen_rows 10 >"$W/in10"
POWERBI_TOKEN=$TOK sx-emit-powerbi --dataset d1 --table t --api-base "http://127.0.0.1:$PORT" \
	--timeout 1s --stats "$W/in10" 2>"$W/slow.err"
expect_eq timeout-exit 0 $?
check timeout-retried grep -q '"retries":1' "$W/slow.err"
pbi_stop slow

section; # ---- streaming: bodies under 15 KB, at most 5 requests a second
gen_rows 3000 >"$W/in3k"
pbi_start stream
sx-emit-powerbi --push-url "http://127.0.0.1:$PORT/beta/tenant/datasets/s1/rows?key=$KEYENC" \
	"$W/in3k" >"$W/stream.out" 2>"$W/stream.err"
expect_eq stream-exit 0 $?
expect_eq stream-exactly-once ok "$(once 3000 "$W/stream.rows" row)"
expect_eq stream-under-15k "" "$(py 'import json,sys
print("\n".join(l for l in open(sys.argv[1]) if json.loads(l)["bytes"] >= 15000))' "$W/stream.log")"
expect_eq stream-5-per-second ok "$(py 'import json,sys
t = sorted(json.loads(l)["t0"] for l in open(sys.argv[1]))
bad = [i for i in range(5, len(t)) if t[i] - t[i-5] < 1.0]
print("ok" if not bad and len(t) > 10 else "%d requests, %d in under a second" % (len(t), len(bad)))' "$W/stream.log")"
expect_eq stream-no-violations "" "$(grep violation "$W/stream.log")"
no_secret stream-no-secret "$W/stream.out" "$W/stream.err"
# a wrong key: 403, the key appears nowhere
sx-emit-powerbi --push-url "http://127.0.0.1:$PORT/beta/tenant/datasets/s1/rows?key=key%2Fsecret%2B2x" \
	"$W/in10" >"$W/badkey.out" 2>"$W/badkey.err"
expect_eq stream-bad-key-exit 1 $?
check stream-bad-key-says-403 grep -q 'HTTP 403: bad key' "$W/badkey.err"
check stream-bad-key-redacted grep -q 'not delivered' "$W/badkey.err"
no_secret stream-bad-key-no-secret "$W/badkey.out" "$W/badkey.err"
pbi_stop stream

section; # ---- down for good: exit 1, every row dead-lettered, within --retry-for
pbi_start down --down
start=$(date +%s.%N)
POWERBI_TOKEN=$TOK sx-emit-powerbi --dataset d1 --table t --api-base "http://127.0.0.1:$PORT" \
	--retry-for 3s --dead-letter "$W/down.dl" "$W/in25k" >"$W/down.out" 2>"$W/down.err"
expect_eq down-exit 1 $?
end=$(date +%s.%N)
expect_eq down-within-retry-for ok "$(echo "$end - $start < 6" | bc | sed 's/1/ok/')"
expect_eq down-every-row-dead-lettered ok "$(once 25000 "$W/down.dl" record)"
check down-dl-says-503 grep -q '^{"error":"HTTP 503: down for maintenance' "$W/down.dl"
check down-message grep -q '25000 rows not delivered (see ' "$W/down.err"
no_secret down-no-secret "$W/down.out" "$W/down.err" "$W/down.dl"
pbi_stop down
# nothing listening at all
POWERBI_TOKEN=$TOK sx-emit-powerbi --dataset d1 --table t --api-base "http://127.0.0.1:$PORT" \
	--retry-for 1s "$W/in10" 2>"$W/refused.err"
expect_eq refused-exit 1 $?
check refused-counts grep -q '10 rows not delivered (no --dead-letter file)' "$W/refused.err"

section; # ---- a 400 for a batch: halved until the bad rows are alone
pbi_start bad
{ gen_rows 100; echo '{"id":100,"bad":true}'; gen_rows 100 | sed 's/"id":\([0-9]*\)/"id":10\1/'; } >"$W/inbad"
POWERBI_TOKEN=$TOK sx-emit-powerbi --dataset d1 --table t --api-base "http://127.0.0.1:$PORT" \
	--dead-letter "$W/bad.dl" "$W/inbad" 2>"$W/bad.err"
expect_eq bad-row-exit 0 $?
expect_eq bad-row-alone-dead-lettered '{"error":"HTTP 400: row does not fit the table'"'"'s schema (RequestId req-N)","record":{"id":100,"bad":true}}' "$(sed 's/req-[0-9]*/req-N/' "$W/bad.dl")"
expect_eq bad-row-others-delivered 200 "$(wc -l <"$W/bad.rows")"
check bad-row-summary grep -q '1 rows not delivered (see ' "$W/bad.err"
# without --dead-letter: exit 1 with the count
POWERBI_TOKEN=$TOK sx-emit-powerbi --dataset d1 --table t --api-base "http://127.0.0.1:$PORT" \
	"$W/inbad" 2>"$W/bad2.err"
expect_eq bad-row-no-dl-exit 1 $?
check bad-row-no-dl-count grep -q 'row does not fit.*1 rows not delivered (no --dead-letter file)' "$W/bad2.err"
pbi_stop bad

section; # ---- tokens: a stale one is refreshed by --token-command after a 403
cat >"$W/tokcmd" <<EOF
n=\$(cat "$W/tokcount" 2>/dev/null || echo 0); n=\$((n+1)); echo \$n >"$W/tokcount"
if [ \$n = 1 ]; then echo tok-secret-old; else echo $TOK; fi
EOF
pbi_start tok
sx-emit-powerbi --dataset d1 --table t --api-base "http://127.0.0.1:$PORT" \
	--token-command "sh $W/tokcmd" "$W/in3k" >"$W/tok.out" 2>"$W/tok.err"
expect_eq token-refresh-exit 0 $?
expect_eq token-refresh-runs 2 "$(cat "$W/tokcount")"
expect_eq token-refresh-rows 3000 "$(wc -l <"$W/tok.rows")"
no_secret token-no-secret "$W/tok.out" "$W/tok.err"
# a JWT that expires in 5 min 2 s is refreshed before it expires
jwt() { printf 'eyJhbGciOiJub25lIn0.%s.sig' "$(printf '{"exp":%d}' $(($(date +%s) + 302)) | base64 -w0 | tr '+/' '-_' | tr -d '=')"; }
jwt >"$W/valid"
pbi_stop tok
pbi_start jwt --token-file "$W/valid"
echo 0 >"$W/jwtcount"
( for i in 1 2 3 4; do gen_rows 5; sleep 1; done ) | sx-emit-powerbi --dataset d1 --table t \
	--api-base "http://127.0.0.1:$PORT" --flush 200ms \
	--token-command "echo \$((\$(cat $W/jwtcount)+1)) >$W/jwtcount; cat $W/valid" 2>"$W/jwt.err"
expect_eq jwt-exit 0 $?
check jwt-refreshed-before-expiry test "$(cat "$W/jwtcount")" -ge 3
pbi_stop jwt
# a file token that the service refuses: given up at once, not retried
pbi_start tokbad
echo tok-secret-wrong >"$W/tokfile"
sx-emit-powerbi --dataset d1 --table t --api-base "http://127.0.0.1:$PORT" \
	--token-file "$W/tokfile" "$W/in10" >"$W/tokbad.out" 2>"$W/tokbad.err"
expect_eq token-refused-exit 1 $?
check token-refused-message grep -q 'HTTP 403: Access token has expired' "$W/tokbad.err"
check token-refused-no-secret sh -c "! grep -q tok-secret-wrong '$W/tokbad.err' '$W/tokbad.out'"
pbi_stop tokbad

section; # ---- --create-dataset: created once, then reused
pbi_start create
POWERBI_TOKEN=$TOK sx-emit-powerbi --create-dataset Readings --api-base "http://127.0.0.1:$PORT" \
	"$W/in10" 2>"$W/create.err"
expect_eq create-exit 0 $?
expect_eq create-message 'sx-emit-powerbi: dataset Readings: ds-1 (created)' "$(cat "$W/create.err")"
expect_eq create-schema '[{"name": "id", "dataType": "Int64"}, {"name": "v", "dataType": "Double"}, {"name": "name", "dataType": "String"}, {"name": "ts", "dataType": "DateTime"}]' \
	"$(py 'import json,sys
print([json.dumps(r["schema"]["tables"][0]["columns"]) for r in map(json.loads, open(sys.argv[1])) if "schema" in r][0])' "$W/create.log")"
POWERBI_TOKEN=$TOK sx-emit-powerbi --create-dataset Readings --api-base "http://127.0.0.1:$PORT" \
	"$W/in10" 2>"$W/create2.err"
expect_eq create-reuse-message 'sx-emit-powerbi: dataset Readings: ds-1 (existing)' "$(cat "$W/create2.err")"
expect_eq create-rows-path "/v1.0/myorg/datasets/ds-1/tables/Readings/rows" \
	"$(py 'import json,sys
print(set(r["path"] for r in map(json.loads, open(sys.argv[1])) if r["path"].endswith("/rows")).pop())' "$W/create.log")"
expect_eq create-rows 20 "$(wc -l <"$W/create.rows")"
pbi_stop create

section; # ---- SIGTERM: what is held is sent within the grace period
pbi_start sig
mkfifo "$W/fifo"
sx-emit-powerbi --dataset d1 --table t --api-base "http://127.0.0.1:$PORT" --flush 1h \
	--token-file <(echo $TOK) <"$W/fifo" 2>"$W/sig.err" &
pid=$!
exec 7>"$W/fifo"
gen_rows 50 >&7
sleep 0.5
kill -TERM $pid
wait $pid
expect_eq sigterm-exit 143 $?
exec 7>&-
expect_eq sigterm-held-rows-sent 50 "$(wc -l <"$W/sig.rows")"
pbi_stop sig
# a service that fails: after the 5 s grace period the rest is dead-lettered
pbi_start sigdown --down
rm -f "$W/fifo"; mkfifo "$W/fifo"
POWERBI_TOKEN=$TOK sx-emit-powerbi --dataset d1 --table t --api-base "http://127.0.0.1:$PORT" --flush 1h \
	--dead-letter "$W/sigdown.dl" <"$W/fifo" 2>"$W/sigdown.err" &
pid=$!
exec 7>"$W/fifo"
gen_rows 50 >&7
sleep 0.5
start=$SECONDS
kill -TERM $pid
wait $pid
expect_eq sigterm-down-exit 143 $?
exec 7>&-
check sigterm-down-within-grace test $((SECONDS - start)) -le 7
expect_eq sigterm-down-dead-lettered 50 "$(wc -l <"$W/sigdown.dl")"
check sigterm-down-reason grep -q '"error":"interrupted by SIGTERM: not delivered' "$W/sigdown.dl"
pbi_stop sigdown

section; # ---- a live pipeline: each window's rows arrive within about --flush of its close
pbi_start live
: >"$W/live.csv"
echo "ts,dev,temp" >"$W/live.csv"
mkfifo "$W/p1" "$W/p2"
sx-ingest --follow --poll 100ms -t ts "$W/live.csv" >"$W/p1" &
p1=$!
sx-window -t ts --tumbling 1s -g dev -a 'n=count()' --idle-timeout 300ms <"$W/p1" >"$W/p2" &
p2=$!
POWERBI_TOKEN=$TOK sx-emit-powerbi --dataset d1 --table t --api-base "http://127.0.0.1:$PORT" \
	--flush 300ms <"$W/p2" 2>"$W/live.err" &
p3=$!
for i in 1 2 3; do
	now=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
	echo "$now,a,$i" >>"$W/live.csv"
	sleep 2.5
done
expect_eq live-windows-arrived 3 "$(wc -l <"$W/live.rows")"
# each row arrived less than 2 s (window 1 s + idle 0.3 s + poll + flush 0.3 s) after its window ended
expect_eq live-latency ok "$(py 'import json,sys,datetime
log = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["status"] == 200]
rows = [json.loads(l) for l in open(sys.argv[2])]
ends = [datetime.datetime.fromisoformat(r["window_end"].replace("Z", "+00:00")).timestamp() for r in rows]
times = sorted(r["t"] for r in log)
lat = [t - e for t, e in zip(times, sorted(ends))]
print("ok" if lat and max(lat) < 2.0 and len(times) == 3 else "latencies %r" % lat)' "$W/live.log" "$W/live.rows")"
kill $p1
wait $p1 $p2 $p3
pbi_stop live
section
