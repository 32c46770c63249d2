#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the seed corpus of fuzz-criu-resp (tests/fuzz/corpus/criu-resp).

Each seed is the input format of fuzz-criu-resp.c: one selector byte, then
records [len_lo][len_hi][n_fds] + a datagram. The datagrams are criu_resp
messages (criu 4.2.1's rpc.proto) encoded by hand below, as criu sends them
(see docs/criu-rpc-protocol.md), plus a few broken ones.
"""
import os
import struct
import sys

# criu_req_type values
DUMP, RESTORE, NOTIFY, FEATURE_CHECK, VERSION, EMPTY = 1, 2, 6, 9, 10, 0


def varint(n):
    n &= (1 << 64) - 1
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def f_varint(field, n):
    return varint(field << 3) + varint(n)


def f_bytes(field, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(field << 3 | 2) + varint(len(data)) + data


def resp(rtype, success, *fields):
    return f_varint(1, rtype) + f_varint(2, 1 if success else 0) + b"".join(fields)


def notify(script, pid=None):
    body = f_bytes(1, script) + (f_varint(2, pid) if pid is not None else b"")
    return resp(NOTIFY, True, f_bytes(5, body))


def version(major, minor, sub=None, gitid=None):
    body = f_varint(1, major) + f_varint(2, minor)
    if gitid is not None:
        body += f_bytes(3, gitid)
    if sub is not None:
        body += f_varint(4, sub)
    return resp(VERSION, True, f_bytes(10, body))


def features(mem, lazy, pidfd):
    body = f_varint(1, mem) + f_varint(2, lazy) + f_varint(3, pidfd)
    return resp(FEATURE_CHECK, True, f_bytes(8, body))


def record(msg, n_fds=0):
    return struct.pack("<HB", len(msg), n_fds) + msg


def seed(selector, *records):
    return bytes([selector]) + b"".join(records)


SEEDS = {
    "version-ok": seed(1, record(version(4, 2, 1))),
    "version-gitid": seed(1, record(version(3, 19, 0, "0123abcd"))),
    "version-huge": seed(1, record(version(2**31 - 1, 2**31 - 1, 1))),
    "version-empty-false": seed(1, record(resp(EMPTY, False))),
    "features": seed(2, record(features(0, 1, 1))),
    "features-missing": seed(2, record(resp(FEATURE_CHECK, True))),
    "dump-notifies-ok": seed(0, record(notify("pre-dump")), record(notify("query-ext-files")),
                             record(notify("post-dump")), record(resp(DUMP, True, f_bytes(3, f_varint(1, 0))))),
    "dump-netns": seed(3, record(notify("pre-dump")), record(notify("network-lock")),
                       record(notify("query-ext-files")), record(notify("post-dump")),
                       record(notify("network-unlock")), record(resp(DUMP, True))),
    "dump-refused": seed(4 | 3, record(notify("pre-dump")),
                         record(resp(DUMP, False, f_varint(7, 3),
                                     f_bytes(9, "Error (cr-service.c:235): RPC client reported script error\n")))),
    "dump-fail-errmsg": seed(3, record(resp(DUMP, False, f_varint(7, 56), f_bytes(9, "Error (x): boom\n")))),
    "restore-pts-fd": seed(0, record(notify("pre-restore")), record(notify("orphan-pts-master"), 1),
                           record(notify("post-restore", 4242)), record(resp(DUMP, True))),
    "notify-three-fds": seed(0, record(notify("orphan-pts-master"), 3)),
    "final-with-fd": seed(0, record(resp(DUMP, True), 1)),
    "wrong-type": seed(0, record(resp(RESTORE, True, f_bytes(4, f_varint(1, 7))))),
    "empty-datagram": seed(0, record(b"")),
    "garbage": seed(0, record(b"\xff" * 10 + b"\x01")),
    "truncated": seed(1, record(version(4, 2, 1, "0123456789abcdef")[:-6])),
    "eof": seed(0),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "criu-resp")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(SEEDS)} seeds in {out}")


if __name__ == "__main__":
    main()
