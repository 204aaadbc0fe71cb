#!/usr/bin/env bash
# Runs the examples of README.md that show their output: in each ```console
# block, a line "$ CMD" (continued by lines ending in "\") is run by bash from
# a scratch directory where tests/ points to the source tree's, and its
# stdout and stderr together must equal the lines that follow, up to the next
# "$ " or the end of the block.  Examples that use a tool whose --help still
# says "not implemented yet" are skipped.  Prints "ok"/"FAIL"/"skip" lines and
# "doc-examples: N passed, N failed"; exits 1 on failures.
# Usage: doc-examples.sh [FILE.md]   (default README.md)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
: "${SX_BIN:=$root/bin}"
export PATH="$SX_BIN:$PATH" LC_ALL=C TZ=UTC
doc=${1:-$root/README.md}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
pass=0 fail=0 skip=0

stub() {
	! [ -x "$SX_BIN/$1" ] || "$SX_BIN/$1" --help 2>&1 | grep -qi 'not implemented yet'
}

# Split the console blocks into cases: case N is $scratch/N.cmd and N.want.
awk -v dir="$scratch" '
	/^```console/ { inblock = 1; block++; next }
	/^```/ && inblock { inblock = 0; cont = 0; next }
	!inblock { next }
	/^\$ / {
		n++; cmd = dir "/" n ".cmd"; want = dir "/" n ".want"
		printf "" > want; print block > (dir "/" n ".block")
		line = substr($0, 3); print line > cmd
		cont = (line ~ /\\$/); next
	}
	cont { print > cmd; cont = ($0 ~ /\\$/); next }
	n { print > want }
' "$doc"

# One working directory for all, so that an example can use the files an
# earlier one made; an example after a skipped one in the same block is skipped.
work="$scratch/work"
mkdir -p "$work" && ln -s "$root/tests" "$work/tests"
skipped_block=""
for n in $(ls "$scratch" | sed -n 's/\.cmd$//p' | sort -n); do
	cmd="$scratch/$n.cmd"
	block=$(cat "$scratch/$n.block")
	title=$(head -c 70 "$cmd" | head -1)
	skipped=""
	if [ "$block" = "$skipped_block" ]; then
		echo "skip $title (follows a skipped example)"
		skip=$((skip + 1))
		continue
	fi
	for tool in $(grep -oE 'sx-[a-z-]+[a-z]' "$cmd" | sort -u); do
		[ -e "$root/cmd/$tool.c" ] && stub "$tool" && skipped="$skipped $tool"
	done
	if [ -n "$skipped" ]; then
		echo "skip $title (not implemented yet:$skipped)"
		skip=$((skip + 1)); skipped_block=$block
		continue
	fi
	(cd "$work" && timeout 60 bash "$cmd" >"$scratch/$n.got" 2>&1 </dev/null)
	if cmp -s "$scratch/$n.want" "$scratch/$n.got"; then
		echo "ok $title"; pass=$((pass + 1))
	else
		echo "FAIL $title"; diff -u "$scratch/$n.want" "$scratch/$n.got" | sed 's/^/    /' | head -20
		fail=$((fail + 1))
	fi
done
[ $skip = 0 ] || echo "doc-examples: $skip skipped (not implemented yet)"
echo "doc-examples: $pass passed, $fail failed"
[ $fail = 0 ]
