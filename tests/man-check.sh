#!/usr/bin/env bash
# make man-check: the man pages render without warnings, every tool has one,
# and every long option a tool's --help lists is documented in its page.
#   1. each man/*.1 and man/*.7: `man --warnings -E UTF-8 -l FILE` at
#      MANWIDTH=80 prints nothing on stderr;
#   2. each cmd/sx-TOOL.c has man/sx-TOOL.1;
#   3. each --option in `bin/sx-TOOL --help` appears in man/sx-TOOL.1.
# A tool whose --help still says "not implemented yet" is skipped for 2 and 3
# when it has no page yet.  Prints "ok NAME" / "FAIL NAME: why" lines, then
# "man: N passed, N failed"; exits 1 on any failure.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
: "${SX_BIN:=$root/bin}"
export MANWIDTH=80
pass=0 fail=0 skip=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v man >/dev/null 2>&1; then
	echo "man-check: man is not installed (Debian: apt-get install man-db groff-base)" >&2
	exit 1
fi

# 1. Rendering.
shopt -s nullglob
pages=("$root"/man/*.1 "$root"/man/*.7)
if [ ${#pages[@]} = 0 ]; then
	bad "man/: no pages"
fi
for page in "${pages[@]}"; do
	name=man/$(basename "$page")
	if ! man --warnings -E UTF-8 -l "$page" >/dev/null 2>"$tmp/err"; then
		bad "$name renders: man exited with an error"; sed 's/^/    /' "$tmp/err" | head -10
	elif [ -s "$tmp/err" ]; then
		bad "$name renders without warnings"; sed 's/^/    /' "$tmp/err" | head -10
	else
		ok "$name renders without warnings"
	fi
done

# The page's source with groff escapes for dashes and fonts removed, so that
# "\-\-time\-unit" and "\fB\-\-stats\fR" read as --time-unit and --stats.
plain() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\&//g' -e 's/\\(en/-/g' "$1"
}

# 2 and 3. Every tool.
for src in "$root"/cmd/sx-*.c; do
	tool=$(basename "$src" .c)
	page="$root/man/$tool.1"
	bin="$SX_BIN/$tool"
	if [ ! -x "$bin" ]; then
		bad "$tool: $bin is not built (run make)"
		continue
	fi
	if ! "$bin" --help >"$tmp/help" 2>"$tmp/help.err"; then
		bad "$tool --help exits 0"
		continue
	fi
	stub=0
	grep -qi 'not implemented yet' "$tmp/help" && stub=1
	if [ ! -f "$page" ]; then
		if [ $stub = 1 ]; then
			echo "skip $tool: not implemented yet, no man page"
			skip=$((skip + 1))
		else
			bad "$tool has man/$tool.1"
		fi
		continue
	fi
	ok "$tool has man/$tool.1"
	plain "$page" >"$tmp/page"
	missing=""
	for opt in $(grep -oE -- '--[a-z][a-z0-9-]*' "$tmp/help" | sed 's/-*$//' | sort -u); do
		grep -qE -- "(^|[^a-z0-9-])$opt([^a-z0-9-]|\$)" "$tmp/page" || missing="$missing $opt"
	done
	if [ -n "$missing" ]; then
		bad "$tool: options in --help missing from man/$tool.1:$missing"
	else
		ok "$tool: every option in --help is in man/$tool.1"
	fi
done

[ $skip = 0 ] || echo "man: $skip tools skipped (not implemented yet)"
echo "man: $pass passed, $fail failed"
[ $fail = 0 ]
