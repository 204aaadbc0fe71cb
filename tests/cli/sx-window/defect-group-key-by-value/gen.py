#!/usr/bin/env python3
"""Random events written twice: once with every group key in its canonical
spelling, once with each key respelled at random as an equal JSON value
(1 / 1.0 / 1e0 / 10e-1, "A" / "\\u0041", "/" / "\\/", whitespace, field
order).  sx-window must give byte-identical rows for both.
Usage: gen.py SEED N CANON_FILE RESPELLED_FILE"""
import json, random, sys

seed, n = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(seed)

NUMS = ["0", "1", "-1", "7", "100", "2.5", "-0.125", "1000000", "0.001", "1e22", "1.5e-7",
        "12345678901234567890123"]
STRS = ["A", "a/b", "caf\u00e9", "\u6771\u4eac", "x\"y", "tab\there", "\U0001F600", ""]
OBJS = ['{"a":1,"b":[true,null]}', '[1,"x"]', '{}']

def respell_number(c):
    """An equal number in another spelling."""
    neg = c.startswith("-")
    body = c[1:] if neg else c
    mant, _, exp = body.partition("e")
    exp = int(exp or 0)
    ip, _, fp = mant.partition(".")
    digits, e = (ip + fp).lstrip("0") or "0", exp - len(fp)
    if digits == "0":
        return rnd.choice(["0", "-0", "0.0", "0e5", "-0.000E-3"])
    digits += "0" * rnd.randint(0, 2)          # padding zeros
    e -= len(digits) - len((ip + fp).lstrip("0"))
    k = rnd.randint(0, len(digits) - 1)        # digits after the point
    m = digits if k == 0 else digits[:len(digits) - k] + "." + digits[len(digits) - k:]
    if m.startswith("."):
        m = "0" + m
    e += k
    if rnd.random() < 0.3 and m.count(".") == 0 and e == 0:
        s = m
    else:
        s = m + rnd.choice(["e", "E", "e+"]) + str(e) if e >= 0 else m + rnd.choice(["e", "E"]) + str(e)
    return ("-" if neg else "") + s

def respell_string(s):
    out = ['"']
    for ch in s:
        cp = ord(ch)
        r = rnd.random()
        if ch == '"':
            out.append('\\"' if r < 0.5 else "\\u0022")
        elif ch == "\t":
            out.append("\\t" if r < 0.5 else "\\u0009")
        elif ch == "/":
            out.append("\\/" if r < 0.5 else "/")
        elif r < 0.4:
            if cp > 0xFFFF:
                v = cp - 0x10000
                out.append("\\u%04x\\u%04X" % (0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF)))
            else:
                out.append(("\\u%04x" if rnd.random() < 0.5 else "\\u%04X") % cp)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)

def spaced(text):
    """Insignificant whitespace after , : [ { (outside strings)."""
    out, in_str, esc = [], False, False
    for ch in text:
        out.append(ch)
        if in_str:
            if esc: esc = False
            elif ch == "\\": esc = True
            elif ch == '"': in_str = False
        elif ch == '"': in_str = True
        elif ch in ",:[{" and rnd.random() < 0.5:
            out.append(rnd.choice([" ", "  ", "\t"]))
    return "".join(out)

canon_out, resp_out = open(sys.argv[3], "w"), open(sys.argv[4], "w")
ts, distinct_texts = 0, set()
for i in range(n):
    ts += rnd.choice([0, 0, 1, 2, 5, 13])
    kn, ks, ko = rnd.choice(NUMS), rnd.choice(STRS), rnd.choice(OBJS)
    ksj = json.dumps(ks, ensure_ascii=False)
    canon = [("ts", str(ts)), ("kn", kn), ("ks", ksj), ("ko", ko), ("v", str(i))]
    resp = [("ts", str(ts)), ("kn", respell_number(kn)), ("ks", respell_string(ks)),
            ("ko", spaced(ko)), ("v", str(i))]
    distinct_texts.add((resp[1][1], resp[2][1]))
    rnd.shuffle(resp)
    canon_out.write("{" + ",".join('"%s":%s' % f for f in canon) + "}\n")
    line = "{" + ",".join('"%s":%s' % f for f in resp) + "}"
    resp_out.write(spaced(line) if rnd.random() < 0.3 else line)
    resp_out.write("\n")
print("%d events, %d distinct (kn, ks) spellings of %d values" %
      (n, len(distinct_texts), len(NUMS) * len(STRS)), file=sys.stderr)
