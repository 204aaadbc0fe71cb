#!/usr/bin/env python3
"""Random input for test_emit_sql_property.sh (sx-emit-sql's outcome depends
on the records only, never on batch cuts or pauses).  One call writes
everything (Python starts slowly on a busy machine):

  emit_sql_prop.py plan SEED STREAMS N CUTS DIR
      DIR/sI.ndjson for I in 0..STREAMS-1: N records of random typed
      fields, and DIR/sbig.ndjson, 200 of them.  Every record has "seq" (its
      number, to order rows by) and "id" (a small integer, so --upsert meets
      duplicate keys).  Each stream gives its fields a usual kind (integer,
      float, string, time, boolean, object) and mixes in nulls, missing
      fields, fields that first come late, and values of another kind:
      floats after integers (widening), strings such as "n/a" in numeric
      columns, 1e400 and 400-digit integers (beyond a double), times in text
      columns, numeric strings.
      DIR/cuts: CUTS lines per stream, "I BATCH COMMIT_EVERY PAUSES": a
      random --batch and --commit-every, and the record numbers before which
      the feeder pauses longer than the 200 ms idle flush (comma list, or
      "-" for none).
"""
import random
import sys

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
                elif r < 0.9 or seq < 2:
                    v = value(rng, kind)  # a stream's first records set the usual kinds
                else:
                    v = odd_value(rng)
                parts.append('"%s":%s' % (name, v))
            head, rest = parts[:2], parts[2:]
            rng.shuffle(rest)
            out.write("{" + ",".join(head + rest) + "}\n")


def plan(seed, streams, n, ncuts, outdir):
    rng = random.Random(seed)
    with open(outdir + "/cuts", "w") as cuts:
        for i in range(streams):
            gen(rng.randrange(1 << 30), n, "%s/s%d.ndjson" % (outdir, i))
            for _ in range(ncuts):
                batch = rng.choice([1, 1, 2, 3, 5, 7, 500])
                commit = rng.choice([1, 2, 4, 9, 10000])
                k = rng.choice([0, 0, 1, 1, 2])
                pauses = sorted(rng.sample(range(1, n), k)) if k else []
                cuts.write("%d %d %d %s\n" % (i, batch, commit, ",".join(map(str, pauses)) or "-"))
    gen(rng.randrange(1 << 30), 200, outdir + "/sbig.ndjson")


if __name__ == "__main__":
    if len(sys.argv) != 7 or sys.argv[1] != "plan":
        sys.exit("usage: emit_sql_prop.py plan SEED STREAMS N CUTS DIR")
    plan(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
