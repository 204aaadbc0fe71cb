#!/usr/bin/env bash
# One event stream, four encodings, identical records: the stream of
# ../shared/tools/gen_events.py written as typed CSV (--csv) and as NDJSON,
# each plain and gzipped, goes through `sx-ingest -t ts` to byte-identical
# output -- by file extension, and by content on standard input.
#
# No normalisation is needed: the generator writes the same value texts in
# both forms (Python's str() of the rounded floats, e.g. 21.0, 69.3; the
# timestamps already canonical, millisecond RFC 3339 UTC), CSV typing keeps
# number texts as written, and -t ts rewrites a canonical time to itself.
# So the output must also equal the generator's NDJSON byte for byte; that
# is checked first, as the reference the four conversions are compared to.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${ROOT:=$(cd "$here/../.." && pwd)}"
: "${SHARED:=$ROOT/../shared}"
: "${SX_BIN:=$ROOT/bin}"
. "$here/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ingest="$SX_BIN/sx-ingest"
gen="$SHARED/tools/gen_events.py"
n=20000

if ! python3 "$gen" $n 50 7 >"$tmp/ev.ndjson" || ! python3 "$gen" $n 50 7 --csv >"$tmp/ev.csv"; then
	echo "FAIL formats: cannot run $gen"
	exit 0
fi
gzip -n -c "$tmp/ev.ndjson" >"$tmp/ev.ndjson.gz"
gzip -n -c "$tmp/ev.csv" >"$tmp/ev.csv.gz"
expect_eq "formats: the generator wrote $n NDJSON events" "$n" "$(wc -l <"$tmp/ev.ndjson")"
expect_eq "formats: the generator wrote a header and $n CSV rows" "$((n + 1))" "$(wc -l <"$tmp/ev.csv")"

# The reference: the NDJSON stream itself, through sx-ingest.
"$ingest" -t ts "$tmp/ev.ndjson" >"$tmp/ref" 2>"$tmp/err"
expect_eq "formats: ev.ndjson ingests without a message" "" "$(cat "$tmp/err")"
check "formats: -t ts on the generator's NDJSON leaves it byte for byte" cmp -s "$tmp/ref" "$tmp/ev.ndjson"

same() { # NAME OUTPUT: OUTPUT equals the reference, and nothing on stderr
	if [ -s "$tmp/err" ]; then
		echo "FAIL formats: $1: stderr: $(head -c 300 "$tmp/err")"
	elif cmp -s "$tmp/ref" "$2"; then
		echo "ok formats: $1 gives the same $n records"
	else
		echo "FAIL formats: $1 differs from the NDJSON records:"
		diff "$tmp/ref" "$2" | head -5 | sed 's/^/    /'
	fi
}
for f in ev.csv ev.csv.gz ev.ndjson.gz; do
	"$ingest" -t ts "$tmp/$f" >"$tmp/out" 2>"$tmp/err"
	same "$f" "$tmp/out"
done
# by content (standard input has no name), gzip by its magic bytes
for f in ev.csv ev.csv.gz ev.ndjson ev.ndjson.gz; do
	"$ingest" -t ts <"$tmp/$f" >"$tmp/out" 2>"$tmp/err"
	same "$f on standard input" "$tmp/out"
done
# all four in one run, --no-merge: four times the stream, in operand order
# (without it, -t merges the four by event time: see test_ingest_merge.sh)
"$ingest" -t ts --no-merge "$tmp/ev.csv" "$tmp/ev.csv.gz" "$tmp/ev.ndjson" "$tmp/ev.ndjson.gz" >"$tmp/out" 2>"$tmp/err"
cat "$tmp/ref" "$tmp/ref" "$tmp/ref" "$tmp/ref" >"$tmp/ref4"
if [ ! -s "$tmp/err" ] && cmp -s "$tmp/ref4" "$tmp/out"; then
	echo "ok formats: the four files in one run give the stream four times"
else
	echo "FAIL formats: the four files in one run differ from the stream four times"
fi
