#!/usr/bin/env python3
"""A local stand-in for the Power BI REST API, for sx-emit-powerbi's tests.

Serves, on 127.0.0.1 and a free port (written to --port-file):
  POST {/v1.0/myorg}[/groups/G]/datasets/ID/tables/T/rows   {"rows":[...]}  (bearer token)
  GET  {/v1.0/myorg}[/groups/G]/datasets                     list
  POST {/v1.0/myorg}[/groups/G]/datasets?defaultRetentionPolicy=basicFIFO  create
  POST /beta/TENANT/datasets/ID/rows?key=K                   [...]  (streaming)
It enforces the documented limits (rows and bytes per request, requests per
minute (push) or per second (streaming), at most 5 at once) and answers
like the service when they are broken (400, 413, 429 with Retry-After);
it checks the token or key (401/403); and it injects faults on cue:
--fail N:STATUS (the Nth rows request gets STATUS; 429 with Retry-After
--retry-after), --slow N:SECONDS, --drop N (connection closed, no answer),
--down (every request 503), --expire-token-after N (the token stops working
after N rows requests: a refreshed one from --token-file works).
Every request goes to --log as a JSON line {"t","method","path","status",
"rows","bytes","auth"}; accepted rows go to --rows, one per line.
With --cert/--key-file it speaks TLS.
"""
import argparse
import json
import os
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--rows", required=True)
ap.add_argument("--token", default="tok-secret-1")
ap.add_argument("--token-file", help="the currently valid token is read from here")
ap.add_argument("--key", default="key/secret+2")
ap.add_argument("--max-rows", type=int, default=10000)
ap.add_argument("--max-bytes", type=int, default=16 * 1000 * 1000)
ap.add_argument("--stream-max-bytes", type=int, default=15 * 1024)
ap.add_argument("--ppm", type=int, default=120, help="push requests per minute per dataset")
ap.add_argument("--pps", type=int, default=5, help="streaming requests per second")
ap.add_argument("--max-concurrent", type=int, default=5)
ap.add_argument("--fail", action="append", default=[], help="N:STATUS")
ap.add_argument("--slow", action="append", default=[], help="N:SECONDS")
ap.add_argument("--drop", action="append", default=[], type=int)
ap.add_argument("--retry-after", default="1")
ap.add_argument("--down", action="store_true")
ap.add_argument("--expire-token-after", type=int, default=0)
ap.add_argument("--no-rows", action="store_true", help="count rows, do not keep them (benchmarks)")
ap.add_argument("--cert")
ap.add_argument("--key-file")
args = ap.parse_args()

fails = {int(a.split(":")[0]): int(a.split(":")[1]) for a in args.fail}
slows = {int(a.split(":")[0]): float(a.split(":")[1]) for a in args.slow}
drops = set(args.drop)
lock = threading.Lock()
state = {"n": 0, "push_times": {}, "stream_times": [], "concurrent": 0, "datasets": {}}
logf = open(args.log, "a", buffering=1)
rowsf = open(args.rows, "a", buffering=1)


def valid_tokens():
    if args.token_file:
        try:
            with open(args.token_file) as f:
                return {f.read().strip()}
        except OSError:
            return set()
    return {args.token}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, status, body=None, headers=()):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("RequestId", "req-%d" % state["n"])
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def log(self, status, rows, nbytes, extra=None):
        rec = {"t": time.time(), "t0": getattr(self, "t0", None), "method": self.command, "path": self.path.split("?")[0],
               "status": status, "rows": rows, "bytes": nbytes,
               "auth": self.headers.get("Authorization", "")}
        if extra:
            rec.update(extra)
        logf.write(json.dumps(rec) + "\n")

    def read_body(self):
        self.t0 = time.time()
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n) if n else b""

    def auth_ok(self):
        a = self.headers.get("Authorization", "")
        if not a.startswith("Bearer "):
            return 401
        tok = a[7:]
        if tok not in valid_tokens():
            return 403 if tok else 401
        if args.expire_token_after and state["n"] > args.expire_token_after and tok == args.token \
                and not args.token_file:
            return 401
        return 0

    def do_GET(self):
        self.read_body()
        u = urlparse(self.path)
        if u.path.endswith("/datasets"):
            bad = self.auth_ok()
            if bad:
                self.log(bad, 0, 0)
                return self.answer(bad, {"error": {"code": "TokenExpired", "message": "bad token"}})
            with lock:
                value = [{"id": i, "name": n, "addRowsAPIEnabled": True}
                         for i, n in state["datasets"].items()]
            self.log(200, 0, 0)
            return self.answer(200, {"value": value})
        self.log(404, 0, 0)
        self.answer(404, {"error": {"code": "NotFound", "message": "no such resource"}})

    def do_POST(self):
        u = urlparse(self.path)
        body = self.read_body()
        parts = u.path.strip("/").split("/")
        if u.path.endswith("/datasets"):
            bad = self.auth_ok()
            if bad:
                self.log(bad, 0, len(body))
                return self.answer(bad, {"error": {"code": "TokenExpired", "message": "bad token"}})
            d = json.loads(body)
            with lock:
                did = "ds-%d" % (len(state["datasets"]) + 1)
                state["datasets"][did] = d["name"]
            self.log(201, 0, len(body), {"schema": d})
            return self.answer(201, {"id": did, "name": d["name"], "defaultRetentionPolicy": "basicFIFO"})
        streaming = parts[0] == "beta"
        if not u.path.endswith("/rows"):
            self.log(404, 0, len(body))
            return self.answer(404, {"error": {"code": "NotFound", "message": "no such resource"}})
        with lock:
            state["n"] += 1
            n = state["n"]
            state["concurrent"] += 1
            conc = state["concurrent"]
        try:
            self.handle_rows(u, body, streaming, n, conc)
        finally:
            with lock:
                state["concurrent"] -= 1

    def handle_rows(self, u, body, streaming, n, conc):
        nrows = 0
        try:
            doc = json.loads(body)
            rows = doc if streaming else doc["rows"]
            nrows = len(rows)
        except Exception as e:  # noqa
            self.log(400, 0, len(body), {"violation": "bad body"})
            return self.answer(400, {"error": {"code": "InvalidRequest", "message": "bad body: %s" % e}})
        if n in drops:
            self.log(0, nrows, len(body), {"dropped": True})
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if n in slows:
            time.sleep(slows[n])
        if args.down:
            self.log(503, nrows, len(body))
            return self.answer(503, {"error": {"code": "ServiceUnavailable", "message": "down for maintenance"}})
        if streaming:
            key = parse_qs(u.query).get("key", [""])[0]
            if key != args.key:
                self.log(403, nrows, len(body))
                return self.answer(403, {"error": {"code": "Forbidden", "message": "bad key"}})
        else:
            bad = self.auth_ok()
            if bad:
                self.log(bad, nrows, len(body))
                return self.answer(bad, {"error": {"code": "TokenExpired", "message": "Access token has expired"}})
        if n in fails:
            st = fails[n]
            hdrs = [("Retry-After", args.retry_after)] if st == 429 else []
            self.log(st, nrows, len(body), {"injected": True})
            return self.answer(st, {"error": {"code": "Injected", "message": "injected failure %d" % st}}, hdrs)
        # the documented limits
        now = time.time()
        viol = None
        with lock:
            if streaming:
                win = [t for t in state["stream_times"] if t > now - 1.0]
                win.append(now)
                state["stream_times"] = win
                if len(win) > args.pps:
                    viol = (429, "more than %d requests a second" % args.pps)
            else:
                ds = u.path.split("/tables/")[0]
                win = [t for t in state["push_times"].get(ds, []) if t > now - 60.0]
                win.append(now)
                state["push_times"][ds] = win
                if len(win) > args.ppm:
                    viol = (429, "more than %d requests a minute" % args.ppm)
        if conc > args.max_concurrent:
            viol = (429, "more than %d requests at once" % args.max_concurrent)
        if not streaming and nrows > args.max_rows:
            viol = (400, "more than %d rows" % args.max_rows)
        limit = args.stream_max_bytes if streaming else args.max_bytes
        if len(body) > limit:
            viol = (413, "body of %d bytes, over %d" % (len(body), limit))
        for r in rows:
            if not isinstance(r, dict):
                viol = (400, "Did not encounter start object token for row")
            elif r.get("bad") is True:
                viol = (400, "row does not fit the table's schema")
        if viol:
            self.log(viol[0], nrows, len(body), {"violation": viol[1]})
            hdrs = [("Retry-After", "1")] if viol[0] == 429 else []
            return self.answer(viol[0], {"error": {"code": "Limit", "message": viol[1]}}, hdrs)
        with lock:
            if not args.no_rows:
                rowsf.write("".join(json.dumps(r) + "\n" for r in rows))
        self.log(200, nrows, len(body))
        self.answer(200, {})


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
if args.cert:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key_file)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(args.port_file + ".tmp", args.port_file)
try:
    srv.serve_forever()
except KeyboardInterrupt:
    pass
