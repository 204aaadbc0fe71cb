#!/usr/bin/env bash
# Fault injection sweep: each tool's representative commands (with --state,
# --checkpoint, --dead-letter, --late-out, --defer-commit, --commit) run with
# build/fault.so failing the Nth write, read, fsync, rename, malloc, connect or
# opendir
# (tests/fault/fault.c), for N = 1, 2, ... until the fault no longer fires
# (every N up to $SX_FAULT_DENSE, default 4, then doubling).  Each run must:
#   - exit 0 or 1, never by a signal, a sanitizer report or a hang (timeout);
#   - with status 1, say so on stderr in one line ("sx-...: ..."); with
#     write+ (the disk stays full) one line per file that lost data;
#   - with status 0, produce exactly the output and files of a run without
#     faults (a fault that hit nothing that matters), never less;
#   - leave every state/checkpoint file (and its .pending) either as it was
#     before or as the run without faults leaves it, never torn; a --commit
#     set all old or all new (after the next --commit finishes a journal);
#   - leave dead-letter and late-out files with every line a JSON value.
# Prints "ok"/"FAIL" lines (a FAIL names its reproducer) and
# "fault: N passed, N failed".
# Usage: sweep.sh [CMD-NAME-PATTERN]    env: SX_BIN, SX_FAULT_SO
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${SX_BIN:=$root/bin}" "${SX_FAULT_SO:=$root/build/fault.so}"
export PATH="$SX_BIN:$PATH" LC_ALL=C TZ=UTC
pattern=${1:-}
DENSE=${SX_FAULT_DENSE:-4}
# write+ : every write from the Nth on fails (a disk that stays full), so
# that the error paths' own writes fail too.
CALLS="write read fsync rename malloc connect opendir write+"
gen=$root/../shared/tools/gen_events.py
[ -f "$SX_FAULT_SO" ] || { echo "fault: no $SX_FAULT_SO (make build/fault.so)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0

# --- The template folder: inputs, and progress files from an earlier run
# ("old").  Built where the runs run, $work/run: checkpoints hold absolute paths.
mkdir -p "$work/run/in" "$work/run/st"
cd "$work/run"
python3 "$gen" 400 5 3 --csv >all.csv
{ head -1 all.csv; sed -n 2,150p all.csv; } >in/a.csv
{ head -1 all.csv; sed -n 151,300p all.csv; echo "not-a-time,dev-9,1,2,ok"; sed -n 301,401p all.csv; } >in/b.csv
python3 "$gen" 600 5 4 >events.ndjson
head -300 events.ndjson >ev1.ndjson
{ sed -n 301,600p events.ndjson; echo '{"ts":"2026-01-01T00:00:00Z","deviceId":"dev-0001","temperature":1}';
  echo 'not json'; echo '{"ts":"bad","deviceId":"dev-0002"}'; } >ev2.ndjson
awk 'NR % 2' events.ndjson >left.ndjson
awk '!(NR % 2)' events.ndjson >right.ndjson
printf 'deviceId,site\ndev-0000,a\ndev-0001,b\ndev-0002,c\n' >ref.csv
# old progress: in.ck has a.csv; win.st holds the first half's open windows
mv in/b.csv b.csv.later
sx-ingest --checkpoint st/in.ck -t ts in >/dev/null
mv b.csv.later in/b.csv
win="-t ts --max-delay 2s --tumbling 1m -g deviceId -a 'n=count()' -a 't=avg(temperature)'"
eval "sx-window --state st/win.st $win ev1.ndjson" >/dev/null
# staged progress for the --commit command: ingest and window, deferred
cp -a st "$work/st.old"
{ sx-ingest --checkpoint st/in.ck --defer-commit --on-error skip -t ts in >/dev/null 2>&1 &&
  eval "sx-window --state st/win.st --defer-commit --on-error skip $win ev2.ndjson" >/dev/null 2>&1 &&
  cp st/in.ck.pending "$work/st.old/in.ck.staged" && cp st/win.st.pending "$work/st.old/win.st.staged"; } ||
	{ echo "fault: cannot prepare the template" >&2; exit 2; }
# The inputs stay in place (a checkpoint names files by inode too); each run
# starts from the old progress files, restored by reset.
t=$work/old
reset() {
	rm -rf "$work/run/st" "$work/run"/{dl.ndjson,late.ndjson,a.csv.gz,.out,.err,.rc,.fired}
	cp -a "$work/st.old" "$work/run/st"
}
save() { # the run's outputs and progress into folder $1
	mkdir -p "$1"
	cp -a "$work/run/st" "$1/st"
	for f in dl.ndjson late.ndjson .out .err .rc; do [ -e "$work/run/$f" ] && cp "$work/run/$f" "$1/"; done
	return 0
}
reset; save "$t"

# --- The commands: NAME, then the shell command (run in a copy of the template).
# PROGRESS: files that must be old or new; APPEND: files of JSON lines.
cmds=(
 "ingest-checkpoint-deadletter|sx-ingest --checkpoint st/in.ck --on-error dead-letter=dl.ndjson -t ts in"
 "ingest-defer-commit|sx-ingest --checkpoint st/in.ck --defer-commit --on-error dead-letter=dl.ndjson -t ts in"
 "ingest-gzip|gzip -c in/a.csv >a.csv.gz && sx-ingest -t ts a.csv.gz"
 "window-state-lateout-deadletter|sx-window --state st/win.st --late-out late.ndjson --on-error dead-letter=dl.ndjson $win ev2.ndjson"
 "window-defer-commit|sx-window --state st/win.st --defer-commit --late-out late.ndjson --on-error skip $win ev2.ndjson"
 "window-final|sx-window --state st/win.st --final --on-error skip $win ev2.ndjson"
 "window-session-median|sx-window -t ts --session 5s -g deviceId -a 'm=median(temperature)' -a 'd=count_distinct(status)' events.ndjson"
 "commit-set|mv st/in.ck.staged st/in.ck.pending && mv st/win.st.staged st/win.st.pending && sx-ingest --commit st/in.ck st/win.st"
 "join-streams-lateout|sx-join --on deviceId --within 1s -t ts --late-out late.ndjson --on-error dead-letter=dl.ndjson left.ndjson right.ndjson"
 "join-ref|sx-join --on deviceId --ref ref.csv --type left events.ndjson"
 "emit-sql-deadletter|sx-emit-sql --table t --create --on-error dead-letter=dl.ndjson ev2.ndjson"
 "emit-sql-upsert-postgres|sx-emit-sql --table t --create --key ts,deviceId --upsert --dialect postgres --batch 50 events.ndjson"
 "select-state-deadletter|sx-select --state st/sel.st -t ts --max-delay 2s --on-error dead-letter=dl.ndjson --where 'temperature > 20' --select 'deviceId, LAG(temperature) OVER (PARTITION BY deviceId LIMIT DURATION(minute, 1)) AS prev' ev2.ndjson"
 "select-defer-commit|sx-select --state st/sel.st --defer-commit -t ts --on-error skip --select '*, ISFIRST(minute, 1) OVER (PARTITION BY deviceId) AS first' ev2.ndjson"
)
PROGRESS="st/in.ck st/in.ck.pending st/win.st st/win.st.pending st/sel.st st/sel.st.pending"
APPEND="dl.ndjson late.ndjson"

json_lines_ok() { # every line of $1 a JSON value, the file ending in a line end
	[ -s "$1" ] || return 0
	[ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] || { echo "no line end at the end"; return 1; }
	local values
	values=$(jq -c . <"$1" 2>/dev/null) || { echo "not JSON"; return 1; }
	[ "$(printf '%s\n' "$values" | wc -l)" = "$(wc -l <"$1")" ] || { echo "not one JSON value per line"; return 1; }
}
same() { # files $1 and $2 equal, or both absent
	if [ -e "$1" ] || [ -e "$2" ]; then cmp -s "$1" "$2"; fi
}

# The sx tools run through wrappers that preload the shim (the shell, mv and
# gzip of a command are not failed).
mkdir "$work/wrap"
for tool in "$SX_BIN"/sx-*; do
	printf '#!/bin/sh\nLD_PRELOAD=%s exec %s "$@"\n' "$SX_FAULT_SO" "$tool" >"$work/wrap/${tool##*/}"
	chmod +x "$work/wrap/${tool##*/}"
done
run() { # CMD [FAULT]: runs CMD in $work/run (checkpoints hold absolute paths), status in .rc
	(cd "$work/run" && SX_FAULT=${2:-} SX_FAULT_LOG=$work/run/.fired PATH="$work/wrap:$PATH" \
		timeout -k 2 20 bash -c "$1" >.out 2>.err; echo $? >.rc)
}

report() { # NAME OK|why
	if [ "$2" = ok ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: $2"; fi
}

for entry in "${cmds[@]}"; do
	name=${entry%%|*} cmd=${entry#*|}
	[ -n "$pattern" ] && [[ $name != *$pattern* ]] && continue
	base=$work/base.$name
	reset
	run "$cmd"
	save "$base"
	if [ "$(cat "$base/.rc")" != 0 ]; then
		report "$name-baseline" "exits $(cat "$base/.rc") without faults: $(head -2 "$base/.err")"
		continue
	fi
	for call in $CALLS; do
		fired=0 n=1 worst=ok
		while :; do
			d=$work/run
			reset
			run "$cmd" "${call%+}:$n${call//[a-z]/}"
			[ -s "$d/.fired" ] || break
			fired=$((fired + 1))
			rc=$(cat "$d/.rc")
			why=ok
			newerr=$(grep -vxF -f "$base/.err" "$d/.err" 2>/dev/null || cat "$d/.err")
			[ -s "$base/.err" ] || newerr=$(cat "$d/.err")
			if grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$d/.err"; then
				why="sanitizer report"
			elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
				why="hang (killed after 20 s)"
			elif [ "$rc" -gt 128 ]; then
				why="killed by signal $((rc - 128))"
			elif [ "$rc" = 1 ]; then
				lines=$(printf '%s' "$newerr" | grep -c '')
				named=$(printf '%s' "$newerr" | grep -c '^sx-[a-z-]*: ')
				max=1
				[ "$call" = write+ ] && max=3
				if [ "$lines" -lt 1 ] || [ "$lines" -gt $max ] || [ "$named" != "$lines" ] ||
				   [ "$(printf '%s' "$newerr" | sort | uniq -d)" != "" ]; then
					why="status 1 with $lines new stderr lines: $(printf '%s' "$newerr" | head -3 | tr '\n' '|')"
				fi
			elif [ "$rc" = 0 ]; then
				if ! cmp -s "$base/.out" "$d/.out"; then
					why="status 0 but the output differs from a run without faults"
				fi
				for f in $PROGRESS $APPEND; do
					same "$base/$f" "$d/$f" || why="status 0 but $f differs from a run without faults"
				done
			else
				why="status $rc: $(head -1 "$d/.err")"
			fi
			if [ "$why" = ok ]; then
				# (--commit's .pending files are its input, not its progress)
				for f in $PROGRESS; do
					[ "$name" = commit-set ] && [[ $f = *.pending ]] && continue
					same "$t/$f" "$d/$f" || same "$base/$f" "$d/$f" || why="$f torn: neither old nor new"
				done
				if [ "$name" = commit-set ] && [ "$why" = ok ]; then
					[ -e "$d/st/in.ck.journal" ] && (cd "$d" && sx-ingest --commit st/in.ck st/win.st >/dev/null 2>&1)
					if ! { same "$t/st/in.ck" "$d/st/in.ck" && same "$t/st/win.st" "$d/st/win.st"; } &&
					   ! { same "$base/st/in.ck" "$d/st/in.ck" && same "$base/st/win.st" "$d/st/win.st"; }; then
						why="the --commit set is neither all old nor all new"
					fi
				fi
				for f in $APPEND; do
					if [ -e "$d/$f" ] && ! msg=$(json_lines_ok "$d/$f" 2>&1); then why="$f: $msg"; fi
				done
			fi
			if [ "$why" != ok ] && [ "$worst" = ok ]; then
				worst="$why; reproduce (inputs as in tests/fault/sweep.sh): SX_FAULT=${call%+}:$n${call//[a-z]/} LD_PRELOAD=$SX_FAULT_SO $cmd"
			fi
			# every N up to DENSE, then doubling
			if [ $n -lt "$DENSE" ]; then n=$((n + 1)); else n=$((n * 2)); fi
		done
		report "$name-$call" "$worst"
		[ "$worst" = ok ] && echo "ok $name $call ($fired faults fired)"
	done
done
# defect-ingest-unlistable-folder-exits-0: a folder operand that could not
# be listed (opendir failing while the folder is readable: EMFILE, ENOMEM)
# was reported but skipped, and the run exited 0 having ingested nothing.
if [ -z "$pattern" ] || [[ defect-ingest-unlistable-folder-exits-0 == *$pattern* ]]; then
	for ck in "" "--checkpoint st/in.ck"; do
		reset
		rc=0; (cd "$work/run" && SX_FAULT=opendir:1 "$work/wrap/sx-ingest" $ck -t ts in >.out 2>.err) || rc=$?
		if [ "$rc" = 1 ] && [ "$(cat "$work/run/.err")" = "sx-ingest: in: Too many open files" ]; then
			report "defect-ingest-unlistable-folder-exits-0$ck" ok
		else
			report "defect-ingest-unlistable-folder-exits-0$ck" "status $rc: $(head -2 "$work/run/.err")"
		fi
		# the checkpoint untouched
		same "$work/st.old/in.ck" "$work/run/st/in.ck" || report "defect-ingest-unlistable-folder-checkpoint$ck" "checkpoint changed"
	done
fi
# defect-unchecked-json-alloc: the progress files were built with jansson
# without checking its allocations, so a failed one dropped a value (an
# aggregate's tag) and the run saved damaged state with status 0.  Every
# allocation jansson makes is failed in turn (jansson:N), on a small input.
if [ -z "$pattern" ] || [[ defect-unchecked-json-alloc == *$pattern* ]]; then
	head -5 "$work/run/ev1.ndjson" >"$work/run/five.ndjson"
	for entry in \
		"window|sx-window --state fresh.st --late-out late.ndjson $win five.ndjson" \
		"session|sx-window --state fresh.st -t ts --session 5s -g deviceId -a 'm=median(temperature)' -a 'd=approx_count_distinct(status)' -a 'c=collect(humidity)' five.ndjson" \
		"ingest|sx-ingest --checkpoint fresh.st -t ts in"; do
		name=defect-unchecked-json-alloc-${entry%%|*} cmd=${entry#*|}
		reset; rm -f "$work/run/fresh.st"
		run "$cmd"; cp "$work/run/fresh.st" "$work/fresh.base" 2>/dev/null
		why=ok n=1
		while [ $n -le 400 ]; do
			reset; rm -f "$work/run/fresh.st"
			run "$cmd" "jansson:$n"
			[ -s "$work/run/.fired" ] || break
			rc=$(cat "$work/run/.rc")
			if [ "$rc" = 0 ] && ! same "$work/fresh.base" "$work/run/fresh.st"; then
				why="status 0 but the saved file differs from a run without faults (SX_FAULT=jansson:$n $cmd)"; break
			elif [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
				why="status $rc (SX_FAULT=jansson:$n $cmd)"; break
			elif [ "$rc" = 1 ] && [ -e "$work/run/fresh.st" ]; then
				why="status 1 but a file was saved (SX_FAULT=jansson:$n $cmd)"; break
			fi
			n=$((n + 1))
		done
		report "$name" "$why"
	done
fi
# defect-oom-message-names-the-tool: sx-window allocated before it knew its
# name, so running out of memory at once said "sx: out of memory".
if [ -z "$pattern" ] || [[ defect-oom-message-names-the-tool == *$pattern* ]]; then
	for tool in "$SX_BIN"/sx-*; do
		tool=${tool##*/}
		msg=$(cd "$work/run" && SX_FAULT=malloc:1 "$work/wrap/$tool" </dev/null 2>&1 >/dev/null)
		case $msg in
		"$tool: "*|"") report "defect-oom-message-names-the-tool-$tool" ok ;;
		*) report "defect-oom-message-names-the-tool-$tool" "says [$msg]" ;;
		esac
	done
fi
echo "fault: $pass passed, $fail failed"
[ $fail = 0 ]
