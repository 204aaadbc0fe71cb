# Part of make bench (sourced by tests/bench.sh: $B, $N, measure, ratio).
# sx-emit-files writing the events into hourly NDJSON files
# ('$B/files/{date}/{time}', -t ts) against sx-ingest passing the same
# events through into one file on the same disk (target <= 1.5x), and with
# --gzip against cat into one file plus gzip (target <= 1.5x).  Both sides
# write to disk; sx-emit-files also syncs its files before renaming them into
# place (one syncfs per batch of closed files), which the others do not.
# Each run's rows are counted once, so a fast wrong answer cannot pass.
files_count() { # the rows under $B/files
	find "$B/files" -type f -name "*$1" -exec cat {} + | { [ "$1" = .gz ] && zcat || cat; } | wc -l
}
rm -rf "$B/files"
sx-emit-files -t ts --max-delay 5s --path "$B/files/{date}/{time}" "$B/events.ndjson"
[ "$(files_count .ndjson)" = "$N" ] || { echo "  emit-files: wrong row count, part skipped" >&2; return 1; }
measure "sx-ingest NDJSON > file" "sx-ingest '$B/events.ndjson' > '$B/one.ndjson'"
t_ingest=$SECS
measure "sx-ingest -t ts NDJSON > file" "sx-ingest -t ts '$B/events.ndjson' > '$B/one.ndjson'"
t_ingest_t=$SECS
measure "sx-emit-files hourly NDJSON" "rm -rf '$B/files'; sx-emit-files -t ts --max-delay 5s --path '$B/files/{date}/{time}' '$B/events.ndjson'"
ratio "$t_ingest_t" "$SECS" "sx-emit-files hourly / sx-ingest -t ts passthrough (both read the time; target <= 1.5x)"
ratio "$t_ingest" "$SECS" "sx-emit-files hourly / sx-ingest passthrough without -t (no time read, no sync)"
rm -rf "$B/files"
sx-emit-files -t ts --max-delay 5s --gzip --path "$B/files/{date}/{time}" "$B/events.ndjson"
[ "$(files_count .gz)" = "$N" ] || { echo "  emit-files: wrong gzip row count, part skipped" >&2; return 1; }
measure "cat > file; gzip file" "cat '$B/events.ndjson' > '$B/one.ndjson' && gzip -f '$B/one.ndjson'"
t_gzip=$SECS
measure "sx-emit-files hourly --gzip" "rm -rf '$B/files'; sx-emit-files -t ts --max-delay 5s --gzip --path '$B/files/{date}/{time}' '$B/events.ndjson'"
ratio "$t_gzip" "$SECS" "sx-emit-files --gzip / cat + gzip (target <= 1.5x)"
rm -rf "$B/files" "$B/one.ndjson" "$B/one.ndjson.gz"
