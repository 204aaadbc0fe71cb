# A private, throw-away PostgreSQL server for tests and benchmarks: source this
# file, then call pg_start.
#
#   pg_start        initdb + pg_ctl start in a fresh mktemp dir (socket only, no
#                   TCP; fsync off).  On success exports PGHOST (the socket dir),
#                   PGUSER=postgres, PGDATABASE=postgres, so a bare `psql` talks
#                   to it, and returns 0.  On failure sets PG_FAIL to one line
#                   saying why and returns 1: the caller prints it as a FAIL line
#                   (a test must never pass silently without its server).
#   pg_stop         pg_ctl stop -m immediate and rm -rf of the dir; idempotent.
#
# pg_start installs an EXIT trap that runs pg_stop and then whatever EXIT trap
# was set before it, so the caller's own cleanup still runs.  The server runs
# as the `postgres` user (it refuses root) through runuser when we are root,
# and as ourselves otherwise.  Binaries come from Debian's postgresql package
# (/usr/lib/postgresql/VERSION/bin, the newest version present).
PG_DIR="" PG_BIN="" PG_FAIL=""

_pg_as_server_user() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
	PG_FAIL=""
	PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
		PG_FAIL="PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin (install the postgresql package: make deps-test)"
		return 1
	fi
	if ! command -v psql >/dev/null; then
		PG_FAIL="psql not found (install the postgresql-client package)"
		return 1
	fi
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
		PG_FAIL="running as root but there is no postgres user to run the server as"
		return 1
	fi
	# Short path: a Unix socket path must fit in 107 bytes.
	PG_DIR=$(mktemp -d /tmp/sx-pg.XXXXXX) || { PG_FAIL="mktemp failed"; return 1; }
	local prev
	eval "set -- $(trap -p EXIT)"
	prev=${3:-}
	# shellcheck disable=SC2064  # expand $prev now: it is the old trap text
	trap "pg_stop; $prev" EXIT
	if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_DIR"; fi
	if ! _pg_as_server_user "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust \
		-E UTF8 --locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1; then
		PG_FAIL="initdb failed: $(tail -1 "$PG_DIR/initdb.log")"
		return 1
	fi
	# -w waits until the server accepts connections (or the timeout passes).
	if ! _pg_as_server_user "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-c listen_addresses='' -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		start >"$PG_DIR/pg_ctl.log" 2>&1; then
		PG_FAIL="pg_ctl start failed: $(tail -1 "$PG_DIR/server.log" 2>/dev/null || tail -1 "$PG_DIR/pg_ctl.log")"
		return 1
	fi
	export PGHOST="$PG_DIR" PGUSER=postgres PGDATABASE=postgres
	if ! psql -X -q -A -t -c 'select 1' >/dev/null 2>"$PG_DIR/psql.err"; then
		PG_FAIL="server started but psql cannot connect: $(tail -1 "$PG_DIR/psql.err")"
		return 1
	fi
	return 0
}

pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	if [ -f "$PG_DIR/data/postmaster.pid" ]; then
		_pg_as_server_user "$PG_BIN/pg_ctl" -D "$PG_DIR/data" stop -m immediate >/dev/null 2>&1
	fi
	rm -rf "$PG_DIR"
	PG_DIR=""
}

# psql_q SQL: one query, unaligned tuples only, no .psqlrc; exits non-zero on
# an error.  For reading results back in tests.
psql_q() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"
}
