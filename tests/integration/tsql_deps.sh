#!/usr/bin/env bash
# Installs the T-SQL parser that test_emit_sql_tsql.sh checks sx-emit-sql's
# T-SQL with (antlr4ts-sql: the ANTLR grammars-v4 TSqlParser) into DIR
# (default build/npm; never committed).  antlr4ts is pinned to 0.5.0-alpha.4:
# the newer 0.5.0-dev that ^0.5.0-alpha.4 resolves to fails to load (an import
# cycle: "Class extends value undefined").  Soft: on failure (no node, or no
# npm to install with, or the install failed) prints one line saying why and
# exits 1, and the test then prints SKIP.  Exit 0: node and the parser are
# there.
set -u
dir=${1:-$(cd "$(dirname "$0")/../.." && pwd)/build/npm}
pkgs="antlr4ts-sql@1.1.0 antlr4ts@0.5.0-alpha.4"
# node runs the parser: without it an installed DIR is no use (SKIP, not a
# FAIL of the test when it cannot start tsql_parse.js).
command -v node >/dev/null || { echo "node not found (Debian: apt-get install nodejs)"; exit 1; }
if [ -f "$dir/node_modules/antlr4ts-sql/package.json" ] &&
	grep -q '"version": "0.5.0-alpha.4"' "$dir/node_modules/antlr4ts/package.json" 2>/dev/null; then
	exit 0
fi
command -v npm >/dev/null || { echo "npm not found (Debian: apt-get install npm)"; exit 1; }
mkdir -p "$dir" || exit 1
# shellcheck disable=SC2086
if ! timeout 300 npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error $pkgs \
	>"$dir/install.log" 2>&1; then
	echo "npm install $pkgs failed: $(grep -m1 -i 'err' "$dir/install.log" | cut -c1-160)"
	exit 1
fi
