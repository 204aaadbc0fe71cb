# sx-emit-powerbi part of make bench (sourced by tests/bench.sh: $B, $N).
# The 1M events pushed (--rate-limit off, 10,000 rows a request, up to 5 in
# flight) to the local stand-in for the Power BI REST API
# (tests/integration/pbi_server.py, which counts rows without keeping them).
# What counts is sx-emit-powerbi's own CPU time (user+sys, not the server's):
# target <= 0.25 s per 100,000 rows.  The rows the server accepted are
# checked, so a failed push cannot pass for a fast one.
emit_powerbi_bench() {
	local root srv pid port i best="" cpu wall got
	root=$(cd "$B/../.." && pwd)
	srv="$B/pbi"
	rm -f "$srv.port" "$srv.log"
	python3 "$root/tests/integration/pbi_server.py" --port-file "$srv.port" --log "$srv.log" \
		--rows /dev/null --no-rows --ppm 100000000 --max-concurrent 5 2>"$srv.err" &
	pid=$!
	for i in $(seq 100); do [ -s "$srv.port" ] && break; sleep 0.05; done
	port=$(cat "$srv.port")
	for i in 1 2 3; do
		: >"$srv.log"
		local t0 t1
		t0=$(date +%s.%N)
		POWERBI_TOKEN=tok-secret-1 /usr/bin/time -f '%U %S' -o "$B/cpu" sx-emit-powerbi --dataset bench \
			--table ev --api-base "http://127.0.0.1:$port" --rate-limit off "$B/events.ndjson"
		t1=$(date +%s.%N)
		got=$(python3 -c 'import json,sys
print(sum(json.loads(l)["rows"] for l in open(sys.argv[1]) if json.loads(l)["status"] == 200))' "$srv.log")
		[ "$got" = "$N" ] || echo "  !! the server accepted $got rows, not $N"
		cpu=$(awk '{print $1 + $2}' "$B/cpu")
		wall=$(echo "$t1 - $t0" | bc -l)
		printf '  %-44s %7.2f s CPU (user+sys)  %6.2f s wall  (run %d)\n' "sx-emit-powerbi --rate-limit off" "$cpu" "$wall" "$i"
		if [ -z "$best" ] || [ "$(echo "$cpu < $best" | bc -l)" = 1 ]; then best=$cpu; fi
	done
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
	printf '  => sx-emit-powerbi CPU per 100,000 rows: %.3f s, best of 3 (target <= 0.25 s)\n' \
		"$(echo "$best * 100000 / $N" | bc -l)"
}
emit_powerbi_bench
