#!/usr/bin/env python3
"""Random input for test_emit_sql_property.sh (sx-emit-sql's outcome depends
on the records only, never on batch cuts or pauses).

  emit_sql_prop.py gen SEED N FILE
      N records of random typed fields.  Every record has "seq" (its number,
      to order rows by) and "id" (a small integer, so --upsert meets
      duplicate keys).  Each stream gives its fields a usual kind (integer,
      float, string, time, boolean, object) and mixes in nulls, missing
      fields, fields that first come late, and values of another kind:
      floats after integers (widening), strings such as "n/a" in numeric
      columns, 1e400 and 400-digit integers (beyond a double), times in text
      columns, numeric strings.
  emit_sql_prop.py cuts SEED N
      One line "BATCH COMMIT_EVERY PAUSES": a random --batch, --commit-every
      and the record numbers before which the feeder pauses (comma list, or
      "-" for none).
  emit_sql_prop.py feed FILE PAUSES
      Copy FILE to stdout a line at a time (flushed), sleeping 0.25 s (longer
      than sx-emit-sql's 200 ms idle flush, so each pause cuts a batch and
      commits) before each record number in PAUSES.
"""
import random
import sys
import time

KINDS = ["int", "float", "str", "time", "bool", "obj"]


def value(rng, kind):
    if kind == "int":
        return str(rng.choice([0, 1, -7, 42, 9223372036854775807, rng.randint(-1000, 1000)]))
    if kind == "float":
        return rng.choice(["2.5", "-0.125", "1e3", "3.0", "1.7976931348623157e308", "%.3f" % rng.uniform(-50, 50)])
    if kind == "str":
        return rng.choice(['"x"', '"n/a"', '""', '"O\'Brien"', '"42"', '"2.5"', '"true"', '"caf\\u00e9"'])
    if kind == "time":
        return rng.choice(['"2026-01-01T00:00:00Z"', '"2026-05-01T12:30:00.250+02:00"', '"2026-01-02 03:04:05Z"'])
    if kind == "bool":
        return rng.choice(["true", "false"])
    return rng.choice(['{"k":[1,2]}', "[]", '{"q":"it\'s"}'])


def odd_value(rng):
    return rng.choice(["1e400", "-1e400", "1e-400", "9" * 400, '"n/a"', "2.5", "7", "true",
                       '"2026-03-03T03:03:03Z"', '{"o":1}', '"12"', "null"])


def gen(seed, n, path):
    rng = random.Random(seed)
    fields = {name: rng.choice(KINDS) for name in ["a", "b", "c", "d", "e"]}
    late = {"late%d" % i: rng.choice(KINDS) for i in range(rng.randint(0, 2))}
    late_from = {name: rng.randint(1, max(1, n - 1)) for name in late}
    with open(path, "w") as out:
        for seq in range(n):
            parts = ['"seq":%d' % seq, '"id":%d' % rng.randint(0, max(2, n // 3))]
            names = list(fields) + [f for f in late if seq >= late_from[f]]
            for name in names:
                kind = fields.get(name) or late[name]
                r = rng.random()
                if r < 0.25:
                    continue  # missing
                if r < 0.4:
                    v = "null"
                elif r < 0.85:
                    v = value(rng, kind)
                else:
                    v = odd_value(rng)
                parts.append('"%s":%s' % (name, v))
            head, rest = parts[:2], parts[2:]
            rng.shuffle(rest)
            out.write("{" + ",".join(head + rest) + "}\n")


def cuts(seed, n):
    rng = random.Random(seed)
    batch = rng.choice([1, 1, 2, 3, 5, 7, 500])
    commit = rng.choice([1, 2, 4, 9, 10000])
    k = rng.choice([0, 0, 1, 2, 3])
    pauses = sorted(rng.sample(range(1, n), k)) if k else []
    print(batch, commit, ",".join(map(str, pauses)) or "-")


def feed(path, pauses):
    stops = set() if pauses == "-" else {int(p) for p in pauses.split(",")}
    try:
        with open(path, "rb") as f:
            for i, line in enumerate(f):
                if i in stops:
                    time.sleep(0.25)
                sys.stdout.buffer.write(line)
                sys.stdout.buffer.flush()
    except BrokenPipeError:
        # sx-emit-sql stopped reading (--on-error fail): not our failure
        sys.stderr.close()
        sys.exit(0)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif cmd == "cuts":
        cuts(int(sys.argv[2]), int(sys.argv[3]))
    elif cmd == "feed":
        feed(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: emit_sql_prop.py gen SEED N FILE | cuts SEED N | feed FILE PAUSES")
