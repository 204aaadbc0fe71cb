#!/usr/bin/env bash
# sx-emit-files end to end: a partitioned tree read back by an independent
# reader (Python's json, csv and gzip: emit_files_read.py), every record once
# and in its folder; then a deferred pipeline killed with kill -9 at random
# moments and rerun, which must end with exactly the files of one clean run.
# SX_FILES_N events (default 200000), SX_FILES_KILLS kills (default 8).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
N=${SX_FILES_N:-200000}
KILLS=${SX_FILES_KILLS:-8}
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w" || exit 1
python3 "$SHARED/tools/gen_events.py" "$N" 50 7 >events.ndjson
# a few hostile device names: a slash, dots, a quote, null, empty
printf '%s\n' '{"ts":"2026-01-01T00:00:01Z","deviceId":"a/b","temperature":1}' \
	'{"ts":"2026-01-01T00:00:02Z","deviceId":"..","temperature":2}' \
	'{"ts":"2026-01-01T00:00:03Z","deviceId":"x=\"1\"","temperature":3}' \
	'{"ts":"2026-01-01T00:00:04Z","deviceId":null,"temperature":4}' \
	'{"ts":"2026-01-01T00:00:05Z","deviceId":"","temperature":5}' >>events.ndjson
pat='lake/hour={datetime:yyyy-MM-dd}T{datetime:HH}/dev={deviceId}'
read_back() { python3 "$here/emit_files_read.py" "$@"; }

sx-emit-files -t ts --max-delay 5s --path "$pat" events.ndjson
out=$(read_back lake ndjson events.ndjson)
case $out in ok*) echo "ok emit-files ndjson tree reads back byte for byte ($out)" ;;
	*) echo "FAIL emit-files ndjson tree: $out" ;; esac
rm -rf lake
sx-emit-files -t ts --max-delay 5s --gzip --max-rows 5000 --path "$pat" events.ndjson
out=$(read_back lake ndjson events.ndjson)
case $out in ok*) echo "ok emit-files gzip tree reads back ($out)" ;;
	*) echo "FAIL emit-files gzip tree: $out" ;; esac
rm -rf lake
grep -v '"deviceId":null' events.ndjson >csv-events.ndjson
sx-emit-files -t ts --max-delay 5s --format csv --gzip --path "$pat" csv-events.ndjson
out=$(read_back lake csv csv-events.ndjson)
case $out in ok*) echo "ok emit-files csv.gz tree reads back ($out)" ;;
	*) echo "FAIL emit-files csv.gz tree: $out" ;; esac
rm -rf lake

# --- a disk that fills up (tests/fault's shim: every write from the Nth on
# fails): exit 1 with a message, and no torn or hidden file left behind.
fault_so=${SX_FAULT_SO:-$ROOT/build/fault.so}
# Under AddressSanitizer (make asan) the shim cannot be preloaded: ASan's
# runtime must come first; make fault runs the shim on the plain build.
if ldd "$(command -v sx-emit-files)" 2>/dev/null | grep -q libasan; then
	echo "SKIP emit-files full-disk part: the fault shim cannot be preloaded under ASan (the plain pass of make integration runs it)"
elif [ -f "$fault_so" ]; then
	head -20000 events.ndjson >few.ndjson
	bad=""
	for n in 1 2 3 5 8 13 21 34 55 89; do
		rm -rf lake
		SX_FAULT="write:$n+" LD_PRELOAD=$fault_so sx-emit-files -t ts --max-delay 5s --max-rows 3000 \
			--path "$pat" few.ndjson 2>err.txt
		rc=$?
		if [ "$rc" = 1 ]; then grep -q 'No space left on device' err.txt || bad="$bad $n:no-message"
		elif [ "$rc" != 0 ]; then bad="$bad $n:rc=$rc"; fi
		[ -z "$(find lake -name '.*' -type f 2>/dev/null)" ] || bad="$bad $n:hidden-left"
		# every visible file is whole: its lines are input lines, and it ends with one
		if [ -d lake ] && ! find lake -type f -name '*.ndjson' -exec sh -c '
			for f; do [ -z "$(tail -c1 "$f")" ] || exit 1; done' _ {} +; then bad="$bad $n:torn"; fi
		if [ -d lake ] && [ -n "$(find lake -type f -name '*.ndjson' -exec cat {} + | sort | comm -23 - <(sort few.ndjson))" ]; then
			bad="$bad $n:foreign-lines"; fi
	done
	if [ -z "$bad" ]; then echo "ok emit-files a full disk: exit 1, a message, no torn or hidden file"
	else echo "FAIL emit-files a full disk:$bad"; fi
	rm -rf lake
else
	echo "SKIP emit-files full-disk part: no $fault_so (make build/fault.so)"
fi

# --- kill -9 at random moments, then rerun: the cron recipe's pipeline.
split -n l/4 -d events.ndjson part-
mkdir -p landing st
run_batch() { # the hourly job: ingest what landed, write, commit
	set -o pipefail
	sx-ingest --checkpoint st/in.ck --defer-commit --glob 'landing/*.ndjson' \
		| sx-emit-files -t ts --max-delay 5s --max-rows 20000 --path "$pat" \
			--state st/files.st --defer-commit \
		&& sx-ingest --commit st/in.ck st/files.st
}
# the clean run, for reference
for p in part-0*; do cp "$p" "landing/$p.ndjson"; run_batch || echo "FAIL emit-files clean batch $p"; done
# the tree as its files: folder, then each file's checksum (names differ by run)
tree() { (cd lake && find . -type f -exec sha256sum {} + | sed -E 's|  (.*)/[^/]*$| \1|' | sort); }
tree >clean.list
(cd lake && find . -type f | sort | xargs cat | sort) >clean.data
rm -rf lake landing st
mkdir -p landing st
kills=0
for p in part-0*; do
	cp "$p" "landing/$p.ndjson"
	for k in $(seq "$KILLS"); do
		# a random moment within a run (0-400 ms)
		( run_batch ) >/dev/null 2>&1 &
		pid=$!
		sleep "0.$(printf '%03d' $((RANDOM % 400)))"
		pkill -9 -P "$pid" 2>/dev/null; kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		kills=$((kills + 1))
	done
	run_batch >/dev/null 2>&1 || echo "FAIL emit-files rerun after kill, batch $p"
done
# a last empty run finishes whatever a kill left half done
run_batch >/dev/null 2>&1
(cd lake && find . -type f | sort | xargs cat | sort) >killed.data
tree >killed.list
hidden=$(find lake -name '.*' -type f | wc -l)
if [ -s clean.data ] && cmp -s clean.list killed.list && [ "$hidden" = 0 ]; then
	echo "ok emit-files $kills kill -9s and reruns end with the files of one clean run ($(wc -l <clean.list) files)"
else
	echo "FAIL emit-files after $kills kill -9s: $(wc -l <killed.data) rows, $(wc -l <clean.data) clean, $hidden hidden files"
fi
if cmp -s <(sort events.ndjson) clean.data; then echo "ok emit-files the cron pipeline delivers every input row once"
else echo "FAIL emit-files the cron pipeline's rows differ from the input"; fi
