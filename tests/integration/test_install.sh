#!/usr/bin/env bash
# make install PREFIX=... installs every tool of cmd/ and every man page of
# man/ (the tools' pages in man1, sx.7 in man7), and DESTDIR works for
# packagers.  The installed tools run, and man finds the installed pages.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${ROOT:=$(cd "$here/../.." && pwd)}"
. "$here/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"

if make -C "$ROOT" --no-print-directory install PREFIX="$prefix" >"$tmp/log" 2>&1; then
	echo "ok install: make install PREFIX=... exits 0"
else
	echo "FAIL install: make install PREFIX=... failed"; sed 's/^/    /' "$tmp/log" | tail -20
	exit 0
fi

tools=()
for src in "$ROOT"/cmd/sx-*.c; do tools+=("$(basename "$src" .c)"); done
# The installed bin/ holds exactly the tools of cmd/ (none missed, none stale).
expect_eq "install: bin/ is the tools of cmd/" "${tools[*]}" "$(cd "$prefix/bin" && ls | tr '\n' ' ' | sed 's/ $//')"

for tool in "${tools[@]}"; do
	b="$prefix/bin/$tool"
	if [ -f "$b" ] && [ -x "$b" ] && [ "$(stat -c %a "$b")" = 755 ]; then
		echo "ok install: bin/$tool (mode 755)"
	else
		echo "FAIL install: bin/$tool missing or not mode 755"
		continue
	fi
	v=$("$b" --version 2>&1)
	case "$v" in
	"$tool (sx) "*) echo "ok install: bin/$tool --version runs" ;;
	*) echo "FAIL install: bin/$tool --version printed [$v]" ;;
	esac
	# A tool's own page must be installed once the tool exists (stubs that
	# still say "not implemented yet" may have no page yet).
	if [ -f "$ROOT/man/$tool.1" ] || ! "$b" --help 2>&1 | grep -qi 'not implemented yet'; then
		check "install: man1/$tool.1" test -f "$prefix/share/man/man1/$tool.1"
	fi
done

n=0
for page in "$ROOT"/man/*.[17]; do
	[ -f "$page" ] || continue
	name=$(basename "$page")
	sec=${name##*.}
	dest="$prefix/share/man/man$sec/$name"
	n=$((n + 1))
	if [ -f "$dest" ] && cmp -s "$page" "$dest" && [ "$(stat -c %a "$dest")" = 644 ]; then
		echo "ok install: man$sec/$name (mode 644)"
	else
		echo "FAIL install: man$sec/$name missing, different or not mode 644"
	fi
done
check "install: sx.7 is among the pages" test -f "$prefix/share/man/man7/sx.7"

# man finds the installed pages through MANPATH.
if command -v man >/dev/null 2>&1; then
	got=$(MANPATH="$prefix/share/man" man -w 7 sx 2>/dev/null)
	expect_eq "install: man -w 7 sx finds the installed sx(7)" "$prefix/share/man/man7/sx.7" "$got"
	got=$(MANPATH="$prefix/share/man" man -w 1 sx-ingest 2>/dev/null)
	expect_eq "install: man -w 1 sx-ingest finds the installed page" "$prefix/share/man/man1/sx-ingest.1" "$got"
fi

# DESTDIR: staged under DESTDIR/PREFIX, nothing under PREFIX itself (a PREFIX
# of our own, so that a broken rule cannot touch the system's directories).
p="/sx-install-test-$$"
if make -C "$ROOT" --no-print-directory install DESTDIR="$tmp/stage" PREFIX="$p" >"$tmp/log" 2>&1 \
	&& [ -x "$tmp/stage$p/bin/sx-ingest" ] && [ -f "$tmp/stage$p/share/man/man7/sx.7" ] && [ ! -e "$p" ]; then
	echo "ok install: DESTDIR stages under DESTDIR/PREFIX"
else
	echo "FAIL install: DESTDIR=... PREFIX=$p"; sed 's/^/    /' "$tmp/log" | tail -10
	case "$p" in /sx-install-test-*) rm -rf "$p" ;; esac
fi
