#!/usr/bin/env python3
"""Test data for the sx-emit-sql integration tests.

emit_sql_data.py hostile DIR MARKER_DIR
    DIR/hostile.ndjson   {"id":N,"s":VALUE} per line: strings that break naive
                         quoting (SQL injection, quotes, backslashes, COPY's \\N
                         and \\., psql and sqlite3 meta-commands at the start of
                         a line, sqlcmd's GO, :r and $(...), control characters,
                         non-ASCII, 5,000-character values), plus an empty
                         string and a null
    DIR/hostile.hex      "ID HEX" per line: the UTF-8 bytes each value must come
                         back as (upper-case hex; "NULL" for the null)
    A meta-command that ran would create a file under MARKER_DIR.

emit_sql_data.py nul DIR
    DIR/nul.ndjson       three rows, the middle one holding U+0000
    DIR/nul.hex          as above, for a client that keeps the NUL

emit_sql_data.py names DIR
    DIR/names.ndjson     one record whose field names need quoting
    DIR/names.hex        the hex of each field name, in order

emit_sql_data.py rows DIR N
    DIR/rows.ndjson      N rows {"id":i,"v":"row i"}, i = 1..N
"""
import json
import os
import sys


def hostile(marker):
    long_mix = ("'\"\\;\n\t" * 1000)[:5000]
    return [
        "'); DROP TABLE t; --",
        "\"); DROP TABLE t; --",
        "Robert'); DROP TABLE students;--",
        "it's \"quoted\" both ways '' \"\"",
        "back\\slash \\\\ two \\' \\\" \\n not-a-newline \\t \\0",
        "\\N",
        "\\.",
        "\\.\n",
        "before\n\\.\nafter",
        "\n\\.\n",
        "\\",
        "trailing backslash\\",
        "line1\nline2\n",
        "crlf\r\nline\r\n",
        "lone\rcr",
        "tab\there\t",
        "\t",
        "\b\f\v\x01\x1f\x7f",
        "😀 é ß 中文 Ωμέγα עברית \u202e reversed \u200d\u2028\u2029\ufeff",
        "𝄞 \U0001F468\u200d\U0001F469\u200d\U0001F467",
        "x" * 5000,
        long_mix,
        "😀" * 5000,
        "$(x) $(SQLCMDUSER) $$ $tag$ dollar",
        "first\nGO\nsecond",
        "GO",
        "\n:r /etc/passwd\n:setvar x y\n!! touch %s/sqlcmd\n" % marker,
        "\n\\! touch %s/psql\n\\q\n" % marker,
        "\n.shell touch %s/sqlite\n.system touch %s/sqlite\n.quit\n" % (marker, marker),
        ":'x' :\"y\" :z :HOME",
        "semi;\ncolon;",
        "/* not a comment */ -- nor this",
        "",
        "NULL",
        "null",
        " ",
        None,
    ]


def write_rows(path_ndjson, path_hex, rows):
    with open(path_ndjson, "w", encoding="utf-8", newline="\n") as nd, \
            open(path_hex, "w", encoding="ascii", newline="\n") as hx:
        for i, v in enumerate(rows, 1):
            nd.write(json.dumps({"id": i, "s": v}, ensure_ascii=False) + "\n")
            hx.write("%d %s\n" % (i, "NULL" if v is None else v.encode("utf-8").hex().upper()))


def main():
    what, d = sys.argv[1], sys.argv[2]
    if what == "hostile":
        write_rows(os.path.join(d, "hostile.ndjson"), os.path.join(d, "hostile.hex"),
                   hostile(sys.argv[3]))
    elif what == "nul":
        write_rows(os.path.join(d, "nul.ndjson"), os.path.join(d, "nul.hex"),
                   ["before", "a\x00b", "after"])
    elif what == "names":
        names = ["id", "with space", "dq\"uote", "sq'uote", "br]acket", "select", "MixedCase",
                 "é😀", "semi;colon", "back\\slash"]
        with open(os.path.join(d, "names.ndjson"), "w", encoding="utf-8") as f:
            f.write(json.dumps({n: i for i, n in enumerate(names, 1)}, ensure_ascii=False) + "\n")
        with open(os.path.join(d, "names.hex"), "w", encoding="ascii") as f:
            for n in names:
                f.write(n.encode("utf-8").hex().upper() + "\n")
    elif what == "rows":
        with open(os.path.join(d, "rows.ndjson"), "w", encoding="utf-8") as f:
            for i in range(1, int(sys.argv[3]) + 1):
                f.write('{"id":%d,"v":"row %d"}\n' % (i, i))
    else:
        sys.exit("unknown: " + what)


if __name__ == "__main__":
    main()
