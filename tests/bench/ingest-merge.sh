# Sourced by tests/bench.sh: sx-ingest's time merge (issue 15).  The $N
# generated events are split by device into 100 per-partition files (10,000
# events each at the default N), each in time order up to the generator's 2 s
# jitter; merging them by event time is timed against reading them one after
# the other (--no-merge).  Target: at most 1.3x the cost, in bounded memory
# (peak RSS about one read buffer per file, not the data).
M="$B/merge"
if [ "$(cat "$M/n" 2>/dev/null)" != "$N" ]; then
	rm -rf "$M" && mkdir -p "$M/files"
	awk -v dir="$M/files" '{
		d = $0; sub(/.*"deviceId":"dev-/, "", d); d = substr(d, 1, 4) % 100
		f = sprintf("%s/p%02d.ndjson", dir, d); print > f
	}' "$B/events.ndjson"
	echo "$N" >"$M/n"
fi
merge_count=$(sx-ingest -t ts --max-delay 2s "$M/files" | wc -l)
if [ "$merge_count" != "$N" ]; then
	echo "  ingest-merge: the merge printed $merge_count records, expected $N: part skipped" >&2
	return 1
fi
echo "  ($(ls "$M/files" | wc -l) files of about $((N / 100)) events)"
measure "sx-ingest -t ts --no-merge, 100 files" "sx-ingest -t ts --no-merge '$M/files'"
merge_apart=$SECS
measure "sx-ingest -t ts --max-delay 2s, 100 files merged" "sx-ingest -t ts --max-delay 2s '$M/files'"
printf '  => merge vs --no-merge: %.2fx the time (target <= 1.3x)\n' "$(echo "$SECS / $merge_apart" | bc -l)"
