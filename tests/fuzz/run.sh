#!/usr/bin/env bash
# tests/fuzz/run.sh MODE BUILD TARGET... - run the libFuzzer targets (README).
#
#   smoke  replay each target's seeds and tests/fuzz/regress/<target>/, then
#          fuzz it for FUZZ_SMOKE_RUNS inputs (default 3000, at most
#          FUZZ_SMOKE_SECONDS, 10) from a fixed seed: the same inputs on every
#          machine, so CI does not fail at random; a crash fails.  Run by
#          make check (make fuzz-smoke).
#   fuzz   fuzz each target for FUZZ_SECONDS (default 60) at nice 10 on the
#          corpus kept in BUILD/corpus/<target> (grows from run to run);
#          crashes are saved as BUILD/crashes/<target>/crash-* (fuzzing goes
#          on after one); a target that made a new one fails.
#   replay replay tests/fuzz/pending/<target>/ (crashes not fixed yet).
# Ends with "N passed, N failed" (one per target).
set -u
mode=$1 build=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=$root/../shared/conformance
pass=0 fail=0

# Seeds: what tests/fuzz/seeds/<target> holds, plus inputs from tests/data,
# the cli cases and ../shared/conformance, prefixed with the option bytes the
# target reads first.
seed_corpus() {
	local t=$1 dir=$2 f i=0
	rm -rf "$dir" && mkdir -p "$dir"
	[ -d "$here/seeds/$t" ] && cp "$here/seeds/$t"/* "$dir"/ 2>/dev/null
	local csvs=() ndjsons=() jsons=()
	mapfile -t csvs < <(find "$root/tests/data" "$root/tests/cli/sx-ingest" "$shared/csv-spectrum/csvs" \
		-type f \( -name '*.csv' -o -name '*.tsv' \) 2>/dev/null | sort)
	mapfile -t ndjsons < <(find "$root/tests/data" "$root/tests/cli" -type f \( -name '*.ndjson' -o -name in \) \
		-size -8k 2>/dev/null | sort)
	mapfile -t jsons < <(find "$root/tests/cli/sx-ingest" "$shared/csv-spectrum/json" -type f -name '*.json' \
		2>/dev/null | sort)
	case $t in
	json|sql)
		# JSONTestSuite's documents, and the first lines of NDJSON inputs
		[ -d "$shared/JSONTestSuite/test_parsing" ] && cp "$shared/JSONTestSuite/test_parsing"/* "$dir"/
		for f in "${ndjsons[@]}"; do
			i=$((i + 1))
			if [ "$t" = sql ]; then
				{ printf '\001'; head -n 1 "$f"; } > "$dir/line-$i"
			else
				head -n 1 "$f" | tr -d '\n' > "$dir/line-$i"
			fi
		done ;;
	csv)
		for f in "${csvs[@]}"; do
			i=$((i + 1))
			{ printf '\000'; cat "$f"; } > "$dir/csv-$i"
			{ printf '\005'; cat "$f"; } > "$dir/csv-int-$i"
		done ;;
	ingest)
		# format byte: 0 auto (name in bits 3-5), 1 csv, 2 tsv, 3 json, 4 ndjson;
		# 0x80 -t t; second byte: unit, --types, --schema, envelope, shard
		for f in "${csvs[@]}"; do
			i=$((i + 1))
			{ printf '\001\000'; cat "$f"; } > "$dir/csv-$i"
			{ printf '\201\100'; cat "$f"; } > "$dir/csv-t-$i"
		done
		for f in "${ndjsons[@]}"; do
			i=$((i + 1))
			{ printf '\004\000'; cat "$f"; } > "$dir/ndjson-$i"
			{ printf '\204\001'; cat "$f"; } > "$dir/ndjson-t-$i"
		done
		for f in "${jsons[@]}"; do
			i=$((i + 1))
			{ printf '\003\000'; cat "$f"; } > "$dir/json-$i"
		done
		[ -f "$root/tests/data/sample/readings-1.csv.gz" ] &&
			{ printf '\040\000'; cat "$root/tests/data/sample/readings-1.csv.gz"; } > "$dir/auto-gz" ;;
	agg)
		for f in "${ndjsons[@]}"; do
			i=$((i + 1))
			{ printf 'count()\nsum(v)\nmedian(v)\ncount_distinct(k)\nmin_by(k,v)\n\n'; head -n 20 "$f"; } > "$dir/agg-$i"
		done ;;
	esac
	return 0
}

run_target() {
	local t=$1 bin=$build/fuzz_$1 corpus=$build/corpus/$1 log=$build/logs/$mode-$1.log
	local seeds=$build/seeds/$1 regress=$here/regress/$1 pending=$here/pending/$1
	mkdir -p "$build/logs" "$build/crashes/$t" "$corpus"
	local common=(-close_fd_mask=3 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1)
	case $mode in
	smoke)
		seed_corpus "$t" "$seeds"
		local inputs=("$seeds"/*)
		[ -d "$regress" ] && inputs+=("$regress"/*)
		# every seed and regression input once, then a short run from a fixed
		# seed on a fresh corpus (not make fuzz's, which may be large)
		local fresh=$build/smoke-corpus/$t
		rm -rf "$fresh" && mkdir -p "$fresh"
		if "$bin" "${common[@]}" -runs=0 "${inputs[@]}" > "$log" 2>&1 &&
		   "$bin" "${common[@]}" -seed=1 -runs="${FUZZ_SMOKE_RUNS:-3000}" \
			-max_total_time="${FUZZ_SMOKE_SECONDS:-10}" \
			-artifact_prefix="$build/crashes/$t/" "$fresh" "$seeds" >> "$log" 2>&1; then
			echo "fuzz_$t: ${#inputs[@]} inputs replayed, $(grep -ao 'Done [0-9]* runs in [0-9]* second' "$log" | tail -n 1 | sed 's/Done //; s/ second/ s/')"
			return 0
		fi ;;
	fuzz)
		seed_corpus "$t" "$seeds"
		# fork mode: a crash is saved and fuzzing goes on (a known one must not
		# end the whole run); the corpus and seeds are loaded by the run itself
		local before after
		before=$(ls "$build/crashes/$t" | wc -l)
		nice -n 10 "$bin" "${common[@]}" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
			-max_total_time="${FUZZ_SECONDS:-60}" -artifact_prefix="$build/crashes/$t/" \
			"$corpus" "$seeds" > "$log" 2>&1
		after=$(ls "$build/crashes/$t" | wc -l)
		echo "fuzz_$t: $(grep -aE '^#[0-9]+: cov' "$log" | tail -n 1 | sed -E 's/^#([0-9]+):.*crash: ([0-9/]+) time: ([0-9]+)s.*/\1 runs in \3 s, oom\/timeout\/crash \2/'), corpus $(ls "$corpus" | wc -l) inputs"
		if [ "$after" -eq "$before" ]; then
			return 0
		fi
		echo "    new in $build/crashes/$t/:"
		ls -t "$build/crashes/$t" | head -n $((after - before)) | sed 's/^/    /'
		return 1 ;;
	replay)
		[ -d "$pending" ] || { echo "fuzz_$t: nothing pending"; return 0; }
		if "$bin" "${common[@]}" -runs=0 "$pending"/* > "$log" 2>&1; then
			echo "fuzz_$t: pending inputs pass now (move them to regress/)"
			return 0
		fi ;;
	*) echo "run.sh: unknown mode $mode" >&2; exit 2 ;;
	esac
	echo "FAIL fuzz_$t (log: $log):"
	grep -aE 'ERROR|FUZZ_CHECK|SUMMARY|Test unit written|deadly signal|exited|==[0-9]+==' "$log" | head -n 12 | sed 's/^/    /'
	return 1
}

for t in "$@"; do
	if run_target "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
label=fuzz-$mode
[ "$mode" = fuzz ] && label=fuzz
echo "$label: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
