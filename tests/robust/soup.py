#!/usr/bin/env python3
"""Random bytes and JSON-ish token soup into every sx tool (issue 14).

Each case is an input made by a seeded PRNG (the seed is printed; rerun with
SOUP_SEED=N to get the same inputs): raw random bytes, a soup of JSON tokens
and line breaks, CSV-ish soup, or valid records with a few bytes mutated.
Every tool runs on it under `timeout`, with --stats and dead letters, and
must:
  - end with status 0 or 1 (never a signal, a usage error or a hang);
  - print no sanitizer report or "internal error";
  - account for every record: the --stats "rejected" count equals the dead
    letters written (each one a JSON object), "records_out" equals the lines
    written, and records in = records out + rejected where each record maps
    to one output (sx-ingest, sx-join --ref --type left, sx-emit-sql), or
    = the events counted by count() + rejected (sx-window's tumbling and
    session windows; hopping windows overlap), or >= out + rejected
    (sx-emit-sql --upsert collapses equal keys);
  - (sx-emit-sql --dialect sqlite) write SQL that sqlite3 runs, leaving
    records_out rows in the table.
Ends with "N passed, N failed" (one per tool run).
"""
import gzip
import json, os, random, shutil, subprocess, sys, tempfile

SX_BIN = os.environ.get("SX_BIN") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../bin")
CASES = int(os.environ.get("SOUP_CASES", "24"))
SEED = int(os.environ.get("SOUP_SEED") or random.SystemRandom().randrange(1, 2**31))
TIMEOUT = os.environ.get("SOUP_TIMEOUT", "20")
VERBOSE = os.environ.get("SOUP_VERBOSE")
rng = random.Random(SEED)

TIMES = ['"2026-01-01T00:00:%02dZ"' % s for s in range(0, 60, 7)] + \
        ['1767225600', '1767225601.5', '"2026-01-01 00:00:03+01:00"', '"9999-12-31T23:59:59Z"',
         '"0001-01-01T00:00:00Z"', '-1e300', '"2026-13-01T00:00:00Z"', '"x"', 'null', '1e400']
VALUES = ['0', '1', '-1', '2.5', '1e308', '-0', '9223372036854775807', '9223372036854775808',
          '"a"', '"b"', '""', '"\\u0000"', '"\\ud83d\\ude00"', '"\\ud800"', '"it\'s"', '"$(x)"',
          '"\\r\\n"', 'true', 'false', 'null', '[]', '{}', '[1,{"a":null}]', '{"k":[1,2]}']
KEYS = ['"t"', '"k"', '"v"', '"a"', '""', '"t"', '"k k"', '"\\u0000"', '"]"', '"\\""']
TOKENS = ['{', '}', '[', ']', ':', ',', '"', '\\', ' ', '\n', '\r\n', '\t', 'tru', 'nul'] + \
         VALUES + KEYS + TIMES


def record():
    fields = []
    for _ in range(rng.randint(0, 5)):
        fields.append('%s:%s' % (rng.choice(KEYS), rng.choice(VALUES + TIMES)))
    if rng.random() < 0.8:
        fields.append('"t":' + rng.choice(TIMES))
    if rng.random() < 0.7:
        fields.append('"k":' + rng.choice(['"a"', '"b"', '1', 'null']))
    if rng.random() < 0.7:
        fields.append('"v":' + rng.choice(VALUES))
    rng.shuffle(fields)
    return '{' + ','.join(fields) + '}'


def gen_case():
    kind = rng.choice(['bytes', 'soup', 'records', 'records', 'csv', 'array'])
    if kind == 'bytes':
        data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 400)))
        if rng.random() < 0.5:
            data = data.replace(b'\xff', b'\n')
    elif kind == 'soup':
        data = ''.join(rng.choice(TOKENS) for _ in range(rng.randint(1, 300))).encode()
    elif kind == 'records':
        lines = [record() for _ in range(rng.randint(1, 60))]
        data = bytearray('\n'.join(lines).encode() + (b'\n' if rng.random() < 0.8 else b''))
        for _ in range(rng.randint(0, 6)):   # a few mutated bytes
            if data:
                data[rng.randrange(len(data))] = rng.choice(b'{}[]":,\\\n\x00\xc3\xff 0a')
        data = bytes(data)
    elif kind == 'csv':
        cells = ['t', 'k', 'v', '"', '""', '"a,b"', '"x\ny"', '2026-01-01T00:00:01Z', '1', '-2.5',
                 'true', '', '\xe9', 'a"b', ' ', '007', '1e5']
        rows = [','.join(rng.choice(cells) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 30))]
        if rng.random() < 0.7:
            rows.insert(0, 't,k,v')
        data = '\r\n'.join(rows).encode() if rng.random() < 0.3 else ('\n'.join(rows) + '\n').encode()
    else:  # a JSON array or concatenated objects, with some damage
        items = [record() for _ in range(rng.randint(0, 20))]
        text = '[' + ','.join(items) + ']' if rng.random() < 0.6 else ' '.join(items)
        if text and rng.random() < 0.5:
            i = rng.randrange(len(text))
            text = text[:i] + rng.choice(TOKENS) + text[i:]
        data = text.encode()
    return kind, data


def lines_of(path):
    if not os.path.exists(path):
        return []
    with open(path, 'rb') as f:
        return [l for l in f.read().split(b'\n') if l]


def stats_of(stderr):
    for line in stderr.splitlines():
        if line.startswith(b'{"tool":'):
            return json.loads(line)
    return None


passed = failed = 0


def report(ok, what, why, work):
    global passed, failed
    if ok:
        passed += 1
        if VERBOSE:
            print('ok   ' + what)
    else:
        failed += 1
        print('FAIL %s: %s (inputs kept in %s)' % (what, why, work))


def run_tool(work, name, args, case, expect, what, feed_sqlite=False, policy=None):
    out, dl = os.path.join(work, 'out'), os.path.join(work, 'dead')
    for p in (out, dl):
        if os.path.exists(p):
            os.unlink(p)
    shutil.rmtree(os.path.join(work, 'lake'), ignore_errors=True)
    cmd = ['timeout', '-s', 'KILL', TIMEOUT, os.path.join(SX_BIN, name), '--stats',
           '--on-error', policy or 'dead-letter=' + dl] + args
    with open(out, 'wb') as o:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=o, stderr=subprocess.PIPE, cwd=work)
    err = p.stderr
    what = '%s %s [%s]' % (name, ' '.join(args), case)
    if p.returncode not in (0, 1):
        sig = ' (signal %d)' % (p.returncode - 128) if p.returncode > 128 else ''
        return report(False, what, 'exit %d%s: %s' % (p.returncode, sig, err[-300:]), work)
    for bad in (b'internal error', b'Sanitizer', b'runtime error:'):
        if bad in err:
            return report(False, what, 'stderr says %r: %s' % (bad, err[-300:]), work)
    st = stats_of(err)
    if policy:  # fail or skip: the status and a clean stderr are what is checked
        # (sx-ingest may stop at a bad CSV header whatever the policy)
        ok = policy == 'fail' or p.returncode == 0 or name == 'sx-ingest'
        return report(ok, what, '--on-error skip ended with status 1', work)
    if st is None:
        # a run that stops at once (a bad CSV header) may end before --stats
        return report(p.returncode == 1, what, 'no --stats line at exit 0', work)
    dead = lines_of(dl)
    for d in dead:
        try:
            if not isinstance(json.loads(d), dict):
                raise ValueError
        except ValueError:
            return report(False, what, 'dead letter is not a JSON object: %r' % d[:200], work)
    if st['rejected'] != len(dead):
        return report(False, what, 'rejected %d but %d dead letters' % (st['rejected'], len(dead)), work)
    outl = lines_of(out)
    if name == 'sx-emit-files':  # its rows are the files of the tree, not stdout
        outl = []
        for d, _, fs in sorted(os.walk(os.path.join(work, 'lake'))):
            for f in sorted(fs):
                with (gzip.open if f.endswith('.gz') else open)(os.path.join(d, f), 'rb') as z:
                    outl += [l for l in z.read().split(b'\n') if l]
    if name != 'sx-emit-sql' and st['records_out'] != len(outl):
        return report(False, what, 'records_out %d but %d lines out' % (st['records_out'], len(outl)), work)
    if p.returncode == 0 or name != 'sx-ingest':
        if expect == 'one-to-one' and st['records_in'] != st['records_out'] + st['rejected']:
            return report(False, what, 'records_in %d != out %d + rejected %d' %
                          (st['records_in'], st['records_out'], st['rejected']), work)
        # upsert collapses rows of equal keys within a batch (no counter says how many)
        if expect == 'upsert' and st['records_in'] < st['records_out'] + st['rejected']:
            return report(False, what, 'records_in %d < out %d + rejected %d' %
                          (st['records_in'], st['records_out'], st['rejected']), work)
        # a WHERE drops records on purpose: none may come from nowhere
        if expect == 'filter' and st['records_in'] < st['records_out'] + st['rejected']:
            return report(False, what, 'records_in %d < out %d + rejected %d' %
                          (st['records_in'], st['records_out'], st['rejected']), work)
        if expect == 'counted' and p.returncode == 0:
            counted = sum(json.loads(l).get('count', 0) for l in outl)
            if st['records_in'] != counted + st['rejected']:
                return report(False, what, 'records_in %d != counted %d + rejected %d' %
                              (st['records_in'], counted, st['rejected']), work)
    if feed_sqlite and p.returncode == 0 and shutil.which('sqlite3'):
        db = os.path.join(work, 'db')
        if os.path.exists(db):
            os.unlink(db)
        with open(out, 'rb') as o:
            q = subprocess.run(['sqlite3', '-bail', db], stdin=o, capture_output=True)
        if q.returncode != 0:
            return report(False, what, 'sqlite3 refused the SQL: %s' % q.stderr[-300:], work)
        n = 0
        if st['records_out']:
            c = subprocess.run(['sqlite3', db, 'SELECT count(*) FROM "t"'], capture_output=True)
            n = int(c.stdout.strip() or b'-1')
        if n != st['records_out']:
            return report(False, what, 'table holds %d rows, records_out %d' % (n, st['records_out']), work)
    report(True, what, '', work)


def main():
    print('soup: seed %d (rerun: SOUP_SEED=%d), %d cases' % (SEED, SEED, CASES))
    work = tempfile.mkdtemp(prefix='sx-soup.')
    with open(os.path.join(work, 'ref.csv'), 'w') as f:
        f.write('k,name\na,alpha\nb,beta\n1,one\n')
    prev = 'other'
    with open(os.path.join(work, prev), 'wb') as f:
        f.write(b'{"k":"a","t":"2026-01-01T00:00:05Z"}\n')
    for n in range(CASES):
        kind, data = gen_case()
        case = 'c%d' % n
        with open(os.path.join(work, case), 'wb') as f:
            f.write(data)
        label = '%s:%s' % (case, kind)
        for fmt in ('auto', 'csv', 'tsv', 'json', 'ndjson'):
            run_tool(work, 'sx-ingest', ['-f', fmt, case], label, 'one-to-one', label)
        run_tool(work, 'sx-ingest', ['-f', 'ndjson', '-t', 't', case], label, 'one-to-one', label)
        for policy in ('fail', 'skip'):
            run_tool(work, 'sx-ingest', ['-t', 't', case], label, 'ingest', label, policy=policy)
            run_tool(work, 'sx-window', ['--tumbling', '1m', '-t', 't', '-a', 'count()', case],
                     label, 'counted', label, policy=policy)
        run_tool(work, 'sx-ingest', ['-f', 'csv', '-t', 't', '--time-format', '%Y-%m-%dT%H:%M:%SZ', case],
                 label, 'one-to-one', label)
        run_tool(work, 'sx-window', ['--tumbling', '10s', '-t', 't', '-g', 'k', '-a', 'count()',
                                     '-a', 'sum(v)', '-a', 'median(v)', '-a', 'collect(v)', case],
                 label, 'counted', label)
        run_tool(work, 'sx-window', ['--session', '5s', '--max-delay', '3s', '-t', 't', '-a', 'count()',
                                     '-a', 'max_by(k,v)', '-a', 'count_distinct(v)', case],
                 label, 'counted', label)
        run_tool(work, 'sx-window', ['--hopping', '10s', '--hop', '4s', '-t', 't', '-g', 'v',
                                     '-a', 'count()', '-a', 'stdev(v)', case], label, 'overlapping', label)
        run_tool(work, 'sx-join', ['--on', 'k', '--ref', 'ref.csv', '--type', 'left', case],
                 label, 'one-to-one', label)
        run_tool(work, 'sx-join', ['--on', 'k', '--within', '10s', '-t', 't', '--type', 'left', case, prev],
                 label, 'join', label)
        for d in ('sqlite', 'postgres', 'tsql'):
            run_tool(work, 'sx-emit-sql', ['--table', 't', '--dialect', d, '--create', '--evolve', case],
                     label, 'one-to-one', label, feed_sqlite=(d == 'sqlite'))
        run_tool(work, 'sx-emit-sql', ['--table', 't', '--dialect', 'postgres', '--copy', '--create',
                                       '--key', 'k', '--upsert', case], label, 'upsert', label)
        run_tool(work, 'sx-select', ['--select', '*, v * 2 AS w, UPPER(k) AS u', case],
                 label, 'one-to-one', label)
        run_tool(work, 'sx-select', ['-t', 't', '--where', "k = 'a' OR v > 1 OR k LIKE '%[0-9]%'", case],
                 label, 'filter', label)
        run_tool(work, 'sx-select', ['-t', 't', '--max-delay', '2s', '--select',
                                     'k, LAG(v) OVER (PARTITION BY k LIMIT DURATION(minute, 1)) AS p', case],
                 label, 'one-to-one', label)
        run_tool(work, 'sx-emit-files', ['-t', 't', '--path', 'lake/{date}/{time}/k={k}', case],
                 label, 'one-to-one', label)
        run_tool(work, 'sx-emit-files', ['--path', 'lake/{v}', '--gzip', case],
                 label, 'one-to-one', label)
        prev = case
    print('soup: %d passed, %d failed' % (passed, failed))
    if failed == 0:
        shutil.rmtree(work)
    return 1 if failed else 0


sys.exit(main())
