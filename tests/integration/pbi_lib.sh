# Helpers for the sx-emit-powerbi integration tests: source after lib.sh.
# pbi_start NAME [SERVER ARGS...]  starts tests/integration/pbi_server.py on a
#   free loopback port; sets PORT, and the files $W/NAME.{log,rows}
# pbi_stop NAME                    stops it
# $W is a scratch directory removed at exit.
W=$(mktemp -d)
declare -A PBI_PID
pbi_cleanup() {
	local n
	for n in "${!PBI_PID[@]}"; do kill "${PBI_PID[$n]}" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap pbi_cleanup EXIT
PBI_SERVER=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/pbi_server.py

pbi_start() {
	local name=$1; shift
	rm -f "$W/$name.port" "$W/$name.log" "$W/$name.rows"
	: >"$W/$name.log"; : >"$W/$name.rows"
	python3 "$PBI_SERVER" --port-file "$W/$name.port" --log "$W/$name.log" --rows "$W/$name.rows" "$@" \
		2>"$W/$name.stderr" &
	PBI_PID[$name]=$!
	local i
	for i in $(seq 100); do [ -s "$W/$name.port" ] && break; sleep 0.05; done
	PORT=$(cat "$W/$name.port")
}

pbi_stop() {
	kill "${PBI_PID[$1]}" 2>/dev/null
	wait "${PBI_PID[$1]}" 2>/dev/null
	unset "PBI_PID[$1]"
}

# no_secret NAME FILE... : none of the files shows a secret
no_secret() {
	local name=$1; shift
	if grep -l -e 'tok-secret' -e 'secret+2' -e 'secret%2B2' -e 'key/secret' "$@" >/dev/null 2>&1; then
		echo "FAIL $name: a secret was printed:"; grep -h -e 'tok-secret' -e 'secret+2' -e 'secret%2B2' -e 'key/secret' "$@" | head -3
	else
		echo "ok $name"
	fi
}

# gen_rows N : N rows {"id":i,"v":...,"ts":...} on stdout
gen_rows() {
	python3 -c '
import sys
n = int(sys.argv[1])
w = sys.stdout.write
for i in range(n):
    w("{\"id\":%d,\"v\":%d.5,\"name\":\"dev-%d\",\"ts\":\"2026-01-01T00:00:%02d.000Z\"}\n" % (i, i % 97, i % 13, i % 60))
' "$1"
}
