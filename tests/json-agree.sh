#!/usr/bin/env bash
# tests/json-agree.sh OLD_BIN [NEW_BIN] - two builds of sx-ingest agree, byte
# for byte (records, messages, exit status), on every JSON input we have.
#
# For a change to the JSON scanner (common/sx_json.c, sx_jscan.h) that must
# accept and reject exactly what it did before: build the old tree's
# bin/sx-ingest somewhere (e.g. /tmp/old/bin), then run this with it and the
# new bin (default: this tree's).  Inputs, each read with -f ndjson and with
# -f json under --on-error dead-letter (every bad line is an entry with its
# reason and byte offset, and the run goes on):
#   - ../shared/conformance: JSONTestSuite's documents, csv-spectrum's JSON;
#   - tests/fuzz/seeds and tests/fuzz/regress (any bytes);
#   - tests/cli's NDJSON inputs;
#   - a generated corpus (seeded, the same on every run): valid lines of every
#     shape, and the same lines with a byte replaced, inserted or cut at each
#     kind of place (quotes, backslashes, control bytes, bytes >= 0x80, digits,
#     structure), strings of every length 0..70 around the word and register
#     seams, and every \u escape form.
# Prints "json-agree: N inputs agree" or each disagreement; exits 1 on any.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
old=${1:?usage: json-agree.sh OLD_BIN [NEW_BIN]}
new=${2:-$root/bin}
shared="${SX_SHARED:-$root/../shared}/conformance"
export LC_ALL=C TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp/gen.ndjson" <<'EOF'
import random, sys
r = random.Random(13)
out = open(sys.argv[1], "wb")
base = [
    b'{"ts":"2025-12-31T23:59:59.278Z","deviceId":"dev-0003","temperature":20.84,"humidity":28.4,"status":"ok"}',
    b'{"a":1,"b":"x\\ny","c":[1,{"d":2}],"e":null,"f":true,"g":false}',
    b'{ "k" : "v" , "n" : -0.5e+10 , "u" : "\\u00e9\\ud83d\\ude00" }',
    b'{"s":"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80","t":1767225600000,"x":123456789012345678901234567890}',
    b'{"deep":[[[[{"a":[{}]}]]]],"esc":"\\"\\\\\\/\\b\\f\\n\\r\\t"}',
]
# strings of every length around the 8- and 16-byte seams, with one odd byte
# at every place, and numbers of every length
for n in range(0, 71):
    s = bytes(r.choice(b"abcXYZ019 -_.:") for _ in range(n))
    base.append(b'{"k":"' + s + b'"}')
    base.append(b'{"' + s + b'":' + (b"1" * (n % 40 + 1)) + b'.' + (b"2" * (n % 23 + 1)) + b'}')
    for pos in range(n + 1):
        for odd in (b'"', b'\\', b'\x00', b'\x1f', b'\x7f', b'\x80', b'\xc3\xa9', b'\xe2\x82',
                    b'\xff', b'\\n', b'\\u0041', b'\\ud800', b' '):
            if r.random() < 0.25:
                base.append(b'{"k":"' + s[:pos] + odd + s[pos:] + b'"}')
for ln in list(base):
    out.write(ln + b"\n")
specials = [b'"', b'\\', b'\x00', b'\x01', b'\t', b'\n', b'\r', b'\x1f', b' ', b'\x7f', b'\x80',
            b'\xbf', b'\xc0', b'\xc2', b'\xe0', b'\xed', b'\xf0', b'\xf4', b'\xf5', b'\xff',
            b'0', b'9', b'-', b'+', b'.', b'e', b'E', b'{', b'}', b'[', b']', b':', b',',
            b'u', b'\\u', b'\\uDC00', b'\\uD800\\u', b'nul', b'tru', b'fals']
for i in range(60000):
    ln = bytearray(r.choice(base))
    for _ in range(r.choice((1, 1, 1, 2, 3))):
        op = r.randrange(4)
        pos = r.randrange(len(ln) + 1)
        sp = r.choice(specials)
        if op == 0 and pos < len(ln):
            ln[pos:pos + 1] = sp
        elif op == 1:
            ln[pos:pos] = sp
        elif op == 2 and pos < len(ln):
            del ln[pos]
        else:
            ln = ln[:pos]
    out.write(bytes(ln).replace(b"\n", b"\\n") + b"\n")
EOF

inputs=("$tmp/gen.ndjson")
while IFS= read -r -d '' f; do inputs+=("$f"); done < <(
	find "$shared/JSONTestSuite/test_parsing" "$shared/csv-spectrum/json" \
		"$root/tests/fuzz/seeds" "$root/tests/fuzz/regress" -type f -print0 2>/dev/null | sort -z
	find "$root/tests/cli" -type f \( -name in -o -name '*.ndjson' -o -name '*.json' \) -print0 | sort -z)

n=0 bad=0
for f in "${inputs[@]}"; do
	for fmt in ndjson json; do
		for side in old new; do
			bin=$old; [ $side = new ] && bin=$new
			rm -f "$tmp/dl"
			"$bin/sx-ingest" -f $fmt --on-error dead-letter="$tmp/dl" "$f" >"$tmp/$side.out" \
				2>"$tmp/$side.err" </dev/null
			echo "status $?" >>"$tmp/$side.err"
			[ -e "$tmp/dl" ] && cat "$tmp/dl" >>"$tmp/$side.out"
		done
		n=$((n + 1))
		if ! cmp -s "$tmp/old.out" "$tmp/new.out" || ! cmp -s "$tmp/old.err" "$tmp/new.err"; then
			bad=$((bad + 1))
			echo "DIFFER -f $fmt $f"
			diff "$tmp/old.err" "$tmp/new.err" | head -5
			cmp "$tmp/old.out" "$tmp/new.out" | head -2
		fi
	done
done
if [ "$bad" -gt 0 ]; then
	echo "json-agree: $bad of $n runs differ"
	exit 1
fi
echo "json-agree: $n runs agree ($(wc -l <"$tmp/gen.ndjson") generated lines among them)"
