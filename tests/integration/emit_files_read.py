#!/usr/bin/env python3
"""Independent reader for sx-emit-files trees (Python's json, csv, gzip).

Usage: emit_files_read.py ROOT FORMAT INPUT PATTERN_KIND
Reads every visible file under ROOT (no hidden .part or staged ones), checks
that each record sits in the folder its event time and fields name (hive
style: hour=YYYY-MM-DDTHH/dev=DEVICE), and that the union of the records equals
INPUT's lines: byte for byte for ndjson, value for value for csv (every
value read back as text).  Prints "ok" or the first difference; exit 0/1."""
import collections, csv, gzip, io, json, os, sys
from urllib.parse import unquote

root, fmt, inp = sys.argv[1], sys.argv[2], sys.argv[3]

def opener(path):
    return gzip.open(path, 'rb') if path.endswith('.gz') else open(path, 'rb')

got = collections.Counter()
nfiles = 0
for d, dirs, files in os.walk(root):
    for name in files:
        path = os.path.join(d, name)
        if name.startswith('.'):
            print('hidden file left: %s' % path); sys.exit(1)
        nfiles += 1
        parts = dict(p.split('=', 1) for p in os.path.relpath(d, root).split('/'))
        with opener(path) as f:
            data = f.read()
        if fmt == 'ndjson':
            lines = data.split(b'\n')
            if lines[-1] != b'':
                print('%s: does not end with a newline' % path); sys.exit(1)
            rows = [(l, json.loads(l)) for l in lines[:-1]]
        else:
            rd = csv.DictReader(io.StringIO(data.decode('utf-8'), newline=''))
            rows = [(json.dumps(r, sort_keys=True).encode(), r) for r in rd]
        for key, rec in rows:
            hour = rec['ts'][:13]
            dev = '__HIVE_DEFAULT_PARTITION__' if rec.get('deviceId') in (None, '') else str(rec['deviceId'])
            if unquote(parts['hour']) != hour or unquote(parts['dev']) != dev:
                print('%s: record of %s/%s in the wrong folder' % (path, hour, dev)); sys.exit(1)
            got[key] += 1
want = collections.Counter()
with open(inp, 'rb') as f:
    for l in f.read().split(b'\n'):
        if not l:
            continue
        if fmt == 'ndjson':
            want[l] += 1
        else:
            r = json.loads(l)
            want[json.dumps({k: '' if v is None else (json.dumps(v) if isinstance(v, bool) else str(v)) for k, v in r.items()}, sort_keys=True).encode()] += 1
if got != want:
    missing = want - got
    extra = got - want
    print('differs: %d missing (%r), %d extra (%r)' % (sum(missing.values()), list(missing)[:1],
                                                    sum(extra.values()), list(extra)[:1]))
    sys.exit(1)
print('ok %d records in %d files' % (sum(got.values()), nfiles))
