# Helpers for integration tests: source this file.
# check NAME CMD...   runs CMD; prints "ok NAME" or "FAIL NAME"
# expect_eq NAME WANT GOT
check() {
	local name=$1; shift
	if "$@"; then echo "ok $name"; else echo "FAIL $name"; fi
}
expect_eq() {
	if [ "$2" = "$3" ]; then echo "ok $1"; else echo "FAIL $1: expected [$2], got [$3]"; fi
}
