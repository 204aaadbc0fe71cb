#!/usr/bin/env bash
# Runs the examples of README.md and of the man pages, each block in a fresh
# scratch folder that holds the inputs the examples name (tests/data/doc-examples/,
# files derived from tests/data/sample/, events.ndjson from
# ../shared/tools/gen_events.py) and a link tests/ to the source tree's (the
# examples run "from the top of the source tree").  Offline: nothing is
# fetched and no server is started.
#
# The blocks: in Markdown every ```console and ```sh block; in a man page every
# .EX/.EE or .nf/.fi block of the EXAMPLES section, and elsewhere the blocks
# that carry a marker (below).  Man page escapes (\-, \e, \(aq...) are undone.
#
# A console block (```console, or a man page block whose first line starts
# with "$ "): each line "$ CMD" (continued by lines ending in "\") is run by
# bash, in order, in the block's folder; its stdout and stderr together must
# equal the lines that follow, up to the next "$ " or the end of the block.
# An sh block is run by "bash -e -o pipefail" and must exit 0, or 141 (SIGPIPE:
# a filter whose reader went away, as in "| head").
#
# A marker on the line before a block (blank lines and, in a man page,
# requests such as .PP or .RS may come between) changes that:
#   Markdown:  <!-- doc-examples: DIRECTIVE -->     man page:  .\" doc-examples: DIRECTIVE
#   skip (WHY)    the block cannot run offline as written (a server, a broker,
#                 a command that runs until stopped, a crontab line); listed
#                 with WHY
#   needs CMD...  skipped, naming them, where one of these commands is missing
#   check=NAME [COMMENT]  run and checked by the function check_NAME below
#                 (the cron recipe: run on new data and again, rows compared
#                 with a direct computation)
# A block that uses a tool whose --help says "not implemented yet" is skipped.
#
# Prints "ok"/"FAIL"/"skip" lines, then the skips with their reasons and
# "doc-examples: N passed, N failed"; exits 1 on failures.
# Usage: doc-examples.sh [FILE...]   (default README.md man/*.1 man/sx.7)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
: "${SX_BIN:=$root/bin}"
export PATH="$SX_BIN:$PATH" LC_ALL=C TZ=UTC
gen=$root/../shared/tools/gen_events.py
if [ $# -gt 0 ]; then docs=("$@"); else docs=("$root/README.md" "$root"/man/*.1 "$root/man/sx.7"); fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
pass=0 fail=0 skip=0
: >"$scratch/skips"

# The tools not implemented yet (no binary, or --help says so).
stubs_all=" "
for c in "$root"/cmd/sx-*.c; do
	tool=$(basename "$c" .c)
	if ! [ -x "$SX_BIN/$tool" ] || "$SX_BIN/$tool" --help 2>&1 | grep -qi 'not implemented yet'; then
		stubs_all="$stubs_all$tool "
	fi
done

# --- Extraction: block N is $scratch/b/N.body with N.src (FILE:LINE), N.kind
# (console or sh) and N.mark (the marker's directive, or empty).  Markers that
# belong to no block go to $scratch/errors.
mkdir "$scratch/b"
: >"$scratch/errors"
n=0
for doc in "${docs[@]}"; do
	name=${doc#"$root"/}
	case $doc in
	*.md) prog='
		function flush_mark() { if (mark != "") print name ":" markline ": doc-examples marker not followed by a sh or console block" > errs; mark = "" }
		/^<!-- doc-examples:.*-->[ \t]*$/ && !inblock {
			flush_mark(); mark = $0; markline = FNR
			sub(/^<!-- doc-examples:[ \t]*/, "", mark); sub(/[ \t]*-->[ \t]*$/, "", mark); next
		}
		/^```/ && !inblock {
			lang = substr($0, 4)
			if (lang != "console" && lang != "sh") { flush_mark(); other = 1; inblock = 1; next }
			n++; base = dir "/" n; inblock = 1; other = 0
			printf "" > (base ".body"); print lang > (base ".kind")
			print name ":" FNR > (base ".src"); print mark > (base ".mark"); mark = ""
			next
		}
		/^```/ && inblock { inblock = 0; next }
		inblock && !other { print > (base ".body"); next }
		!inblock && mark != "" && !/^[ \t]*$/ { flush_mark() }
		END { flush_mark(); print n > (dir "/count") }' ;;
	*) prog='
		function flush_mark() { if (mark != "") print name ":" markline ": doc-examples marker not followed by an example block" > errs; mark = "" }
		function unescape(s) {
			gsub(/\\\(aq/, "\047", s); gsub(/\\\(dq|\\\(lq|\\\(rq/, "\"", s)
			gsub(/\\-/, "-", s); gsub(/\\~/, " ", s); gsub(/\\&/, "", s); gsub(/\\e/, "\\", s)
			return s
		}
		/^\.SH/ { flush_mark(); examples = ($0 ~ /^\.SH[ \t]+"?EXAMPLES"?[ \t]*$/); next }
		/^\.\\" doc-examples:/ && !inblock {
			flush_mark(); mark = $0; markline = FNR; sub(/^\.\\" doc-examples:[ \t]*/, "", mark); next
		}
		/^\.(EX|nf)([ \t]|$)/ && !inblock {
			inblock = 1; take = (examples || mark != ""); first = 1
			if (take) {
				n++; base = dir "/" n; printf "" > (base ".body")
				print name ":" FNR > (base ".src"); print mark > (base ".mark")
			}
			mark = ""; next
		}
		/^\.(EE|fi)([ \t]|$)/ && inblock { inblock = 0; next }
		inblock && take {
			if (/^[.\047]/) next
			line = unescape($0); print line > (base ".body")
			if (first) { print (line ~ /^\$ / ? "console" : "sh") > (base ".kind"); first = 0 }
			next
		}
		!inblock && mark != "" && !/^[.\047]/ && !/^[ \t]*$/ { flush_mark() }
		END { flush_mark(); print n > (dir "/count") }' ;;
	esac
	awk -v dir="$scratch/b" -v name="$name" -v n="$n" -v errs="$scratch/errors" "$prog" "$doc"
	n=$(cat "$scratch/b/count")
done

# --- The inputs every block finds in its folder.
fixtures=$scratch/fixtures
sample=$root/tests/data/sample
(
	set -e
	mkdir -p "$fixtures/landing"
	cp "$root"/tests/data/doc-examples/*.* "$fixtures/"
	cp "$sample/readings-1.csv.gz" "$fixtures/landing/"
	gzip -c "$sample/readings-2.csv" >"$fixtures/landing/readings-2.csv.gz"
	cp "$fixtures"/landing/readings-*.csv.gz "$fixtures/"
	{ gzip -dc "$sample/readings-1.csv.gz"; tail -n +2 "$sample/readings-2.csv"; } >"$fixtures/readings.csv"
	gzip -c "$fixtures/readings.csv" >"$fixtures/in.csv.gz"
	# in.csv has one bad row, for the examples that keep bad rows aside.
	{ cat "$fixtures/readings.csv"; echo 'yesterday,dev-0001,20.5,40.1,ok'; } >"$fixtures/in.csv"
	python3 "$gen" 2000 20 >"$fixtures/events.ndjson"
) || { echo "doc-examples: cannot make the sample inputs (needs tests/data/ and $gen)" >&2; exit 1; }

# fresh_folder N: a new folder for block N, with the inputs; prints its path.
fresh_folder() {
	local d=$scratch/run/$1
	mkdir -p "$d" && cp -a "$fixtures/." "$d/" && ln -s "$root/tests" "$d/tests" && echo "$d"
}

# --- check_cron_recipe BLOCK DIR: the exactly-once cron recipe (an hourly job that
# writes per-device counts of tumbling 1h windows into table hourly of
# hourly.db, keyed on window_end and deviceId).  It is run as cron would run
# it, on 2.5 hours of readings (20 a second, 20 devices, times out of order by
# up to 2 s), in a landing folder that starts empty:
#   1. a first run, with nothing there yet (no table, no state);
#   2. the first 75 minutes land; a run on them, and a rerun with nothing new;
#   3. the next 75 minutes land; a run whose database client fails (it changes
#      nothing) and its rerun.
# After each, the table must hold exactly the counts computed directly from the
# CSV files for every hour that ended before the last reading, and no other rows
# (no window end lies within 15 minutes of the end of the data, so this does not
# depend on the recipe's --max-delay; but a --max-delay shorter than the
# disorder counts events in the wrong hour, and a lost or doubled file shows).
# The regression test of the defect "the README's cron recipe fails on its first
# run" (no such table: hourly; no --max-delay, so most jittered events were late).
check_cron_recipe() {
	local block=$1 dir=$2 ext=csv.gz all=$scratch/hourly-readings.csv
	grep -q "landing/\*\.csv'" "$block" && ext=csv
	[ -s "$all" ] || python3 "$gen" 180000 20 1 --csv >"$all" || return 1
	rm -rf "$dir/landing" && mkdir "$dir/landing" && cp "$block" "$dir/hourly.sh" || return 1
	land() { # land PART FIRST LAST: CSV rows FIRST..LAST as landing/part-PART.$ext
		local f=$all.part-$1
		if ! [ -s "$f.$ext" ]; then
			[ -s "$f.csv" ] || { head -n 1 "$all"; sed -n "$(($2 + 1)),$(($3 + 1))p" "$all"; } >"$f.csv"
			[ "$ext" = csv ] || gzip -c "$f.csv" >"$f.$ext"
		fi
		cp "$f.$ext" "$dir/landing/part-$1.$ext"
	}
	run() { # run WHAT [PATH]: the job, as cron runs it
		(cd "$dir" && PATH=${2:-$PATH} timeout 60 bash ./hourly.sh) >"$dir/out" 2>&1 </dev/null
		local st=$?
		if [ $st != 0 ]; then
			echo "    $1: exit status $st"; sed 's/^/    /' "$dir/out" | head -n 10
		fi
		return $st
	}
	# The rows of hourly after the first 90000 and all 180000 readings, computed
	# once: windows are (start, end], as in ASA (a reading on the hour ends one).
	[ -s "$all.180000" ] || python3 - "$all" 90000 180000 <<-'EOF' || return 1
		import collections, csv, datetime, sys
		hour = datetime.timedelta(hours=1)
		def write(rows, counts, last):
		    with open('%s.%d' % (sys.argv[1], rows), 'w') as out:
		        for (start, dev), n in sorted(counts.items()):
		            if start + hour <= last:
		                out.write('%s.000Z|%s|%d\n' % (start.strftime('%Y-%m-%dT%H:%M:%S'), dev, n))
		cuts = [int(a) for a in sys.argv[2:]]
		counts = collections.Counter(); last = None
		with open(sys.argv[1], newline='') as f:
		    for i, row in enumerate(csv.DictReader(f), 1):
		        t = datetime.datetime.strptime(row['ts'], '%Y-%m-%dT%H:%M:%S.%fZ')
		        last = t if last is None else max(last, t)
		        end = t.replace(minute=0, second=0, microsecond=0)
		        if end < t: end += hour
		        counts[(end - hour, row['deviceId'])] += 1
		        if i in cuts: write(i, counts, last)
	EOF
	rows_ok() { # rows_ok WHAT ROWS: the table holds the direct computation's rows
		sqlite3 "$dir/hourly.db" 'SELECT window_start, deviceId, n FROM hourly ORDER BY 1, 2' \
			>"$dir/got" 2>&1
		if [ ! -s "$all.$2" ] || ! cmp -s "$all.$2" "$dir/got"; then
			echo "    $1: table hourly differs from the direct computation:"
			diff "$all.$2" "$dir/got" | sed 's/^/    /' | head -n 10
			return 1
		fi
	}
	run "first run, nothing landed yet" || return 1
	land 1 1 90000
	run "run on the first data" && rows_ok "run on the first data" 90000 || return 1
	run "rerun with nothing new" && rows_ok "rerun with nothing new" 90000 || return 1
	land 2 90001 180000
	# A database client that fails: the run must fail and change nothing.
	mkdir -p "$dir/failing" && printf '#!/bin/sh\ncat >/dev/null; echo "sqlite3: disk I/O error" >&2; exit 1\n' \
		>"$dir/failing/sqlite3" && chmod +x "$dir/failing/sqlite3"
	if run "run whose sqlite3 fails" "$dir/failing:$PATH" >/dev/null; then
		echo "    run whose sqlite3 fails: exit status 0"; return 1
	fi
	rows_ok "after the failed run" 90000 || return 1
	run "rerun on new data" && rows_ok "rerun on new data" 180000 || return 1
	if ls "$dir"/st/*.pending >/dev/null 2>&1; then
		echo "    progress left uncommitted: $(cd "$dir" && ls st/*.pending)"; return 1
	fi
}

# --- Run the blocks.
check_block() { # check_block N DIR: runs a block without marker; 0 if it passed
	local b=$scratch/b/$1 dir=$2
	if [ "$(cat "$b.kind")" = sh ]; then
		(cd "$dir" && timeout 60 bash -e -o pipefail "$b.body" >"$b.out" 2>"$b.err" </dev/null)
		local st=$?
		[ $st = 0 ] || [ $st = 141 ] && return 0
		echo "    exit status $st"; sed 's/^/    /' "$b.err" | head -n 10
		return 1
	fi
	# A console block: one case per "$ " line, run in order.
	awk -v b="$b" '
		/^\$ / {
			k++; printf "" > (b "." k ".want"); line = substr($0, 3)
			print line > (b "." k ".cmd"); cont = (line ~ /\\$/); next
		}
		cont { print > (b "." k ".cmd"); cont = ($0 ~ /\\$/); next }
		k { print > (b "." k ".want") }
		END { print k + 0 > (b ".cases") }
	' "$b.body"
	local k ok=0
	for ((k = 1; k <= $(cat "$b.cases"); k++)); do
		(cd "$dir" && timeout 60 bash "$b.$k.cmd" >"$b.$k.got" 2>&1 </dev/null)
		if ! cmp -s "$b.$k.want" "$b.$k.got"; then
			echo "    \$ $(head -n 1 "$b.$k.cmd")"
			diff -u "$b.$k.want" "$b.$k.got" | tail -n +3 | sed 's/^/    /' | head -n 20
			ok=1
		fi
	done
	return $ok
}

skipped() { # skipped TITLE WHY
	echo "skip $1 ($2)"; echo "$1: $2" >>"$scratch/skips"; skip=$((skip + 1))
}

while IFS= read -r err; do echo "FAIL $err"; fail=$((fail + 1)); done <"$scratch/errors"
for ((i = 1; i <= n; i++)); do
	b=$scratch/b/$i
	[ -e "$b.kind" ] || continue    # an empty man page block
	mark=$(cat "$b.mark")
	title="$(cat "$b.src"): $(grep -m 1 -v '^#' "$b.body" | sed 's/^\$ //' | head -c 60)"
	case $mark in
	skip*)
		skipped "$title" "$(echo "$mark" | sed -n 's/^skip[ \t]*(\(.*\))[ \t]*$/\1/p')"
		continue ;;
	needs\ *)
		missing=""
		for c in ${mark#needs }; do command -v "$c" >/dev/null || missing="$missing $c"; done
		if [ -n "$missing" ]; then skipped "$title" "needs$missing"; continue; fi ;;
	check=*)
		check=${mark#check=}; check=${check%% *}
		[[ $check =~ ^[a-z_]+$ ]] && declare -F "check_$check" >/dev/null || {
			echo "FAIL $title (unknown marker: $mark)"; fail=$((fail + 1)); continue
		} ;;
	"") ;;
	*) echo "FAIL $title (unknown marker: $mark)"; fail=$((fail + 1)); continue ;;
	esac
	stubs=""
	for tool in $(grep -oE 'sx-[a-z-]+[a-z]' "$b.body" | sort -u); do
		[[ $stubs_all == *" $tool "* ]] && stubs="$stubs $tool"
	done
	if [ -n "$stubs" ]; then skipped "$title" "not implemented yet:$stubs"; continue; fi
	dir=$(fresh_folder "$i")
	if [[ $mark == check=* ]]; then
		"check_$check" "$b.body" "$dir" >"$b.report" 2>&1
	else
		check_block "$i" "$dir" >"$b.report" 2>&1
	fi
	if [ $? = 0 ]; then
		echo "ok $title"; pass=$((pass + 1))
	else
		echo "FAIL $title"; cat "$b.report"; fail=$((fail + 1))
	fi
	rm -rf "$dir"
done
if [ $skip != 0 ]; then
	echo "doc-examples: $skip skipped:"
	sed 's/^/    /' "$scratch/skips"
fi
echo "doc-examples: $pass passed, $fail failed"
[ $fail = 0 ]
