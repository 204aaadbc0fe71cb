#!/usr/bin/env bash
# sx-emit-powerbi over HTTPS: the stand-in server behind TLS with a throwaway
# certificate made here by openssl, trusted through SSL_CERT_FILE or
# CURL_CA_BUNDLE (which wins, as with curl); an untrusted certificate fails at once with a clear message.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/pbi_lib.sh"
TOK=tok-secret-1
if ! command -v openssl >/dev/null; then
	echo "SKIP test_emit_powerbi_tls: no openssl"
	exit 0
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$W/key.pem" -out "$W/cert.pem" 2>"$W/openssl.err" || { cat "$W/openssl.err"; exit 1; }
gen_rows 2000 >"$W/in"
pbi_start tls --cert "$W/cert.pem" --key-file "$W/key.pem"

env -u CURL_CA_BUNDLE SSL_CERT_FILE="$W/cert.pem" POWERBI_TOKEN=$TOK sx-emit-powerbi --dataset d1 --table t \
	--api-base "https://127.0.0.1:$PORT" --batch 500 "$W/in" >"$W/ok.out" 2>"$W/ok.err"
expect_eq tls-ssl-cert-file-exit 0 $?
expect_eq tls-ssl-cert-file-rows 2000 "$(wc -l <"$W/tls.rows")"
check tls-ssl-cert-file-quiet test ! -s "$W/ok.err"

env -u SSL_CERT_FILE CURL_CA_BUNDLE="$W/cert.pem" sx-emit-powerbi --push-url "https://localhost:$PORT/beta/t/datasets/s/rows?key=key%2Fsecret%2B2" \
	"$W/in" >"$W/ok2.out" 2>"$W/ok2.err"
expect_eq tls-curl-ca-bundle-exit 0 $?
expect_eq tls-curl-ca-bundle-rows 4000 "$(wc -l <"$W/tls.rows")"

# not trusted: fails at once (no retries), says why, shows no secret
start=$SECONDS
env -u SSL_CERT_FILE -u CURL_CA_BUNDLE POWERBI_TOKEN=$TOK sx-emit-powerbi --dataset d1 --table t \
	--api-base "https://127.0.0.1:$PORT" --dead-letter "$W/dl" "$W/in" >"$W/bad.out" 2>"$W/bad.err"
expect_eq tls-untrusted-exit 1 $?
check tls-untrusted-at-once test $((SECONDS - start)) -lt 5
check tls-untrusted-message grep -q 'SSL certificate problem: self.signed certificate' "$W/bad.err"
expect_eq tls-untrusted-dead-lettered 2000 "$(wc -l <"$W/dl")"
expect_eq tls-untrusted-nothing-arrived 4000 "$(wc -l <"$W/tls.rows")"
env -u SSL_CERT_FILE -u CURL_CA_BUNDLE sx-emit-powerbi --push-url "https://localhost:$PORT/beta/t/datasets/s/rows?key=key%2Fsecret%2B2" \
	"$W/in" >>"$W/bad.out" 2>>"$W/bad.err"
expect_eq tls-untrusted-streaming-exit 1 $?

no_secret tls-no-secret "$W/ok.out" "$W/ok.err" "$W/ok2.out" "$W/ok2.err" "$W/bad.out" "$W/bad.err" "$W/dl"
pbi_stop tls
