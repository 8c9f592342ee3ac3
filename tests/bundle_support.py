"""Hostile and hand-made USB bundles for the tests, and the real ``posko-central`` process
with its peak memory.

The files are built here from the format's description in ``posko/bundle.py``, not
with the desk's writer, so a test also checks that the reader keeps to the documented
format.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.store import CentralStore
from tests.central_support import complaint_record, enroll_with

# The central CLI at rest (Python, SQLAlchemy, pydantic, the database driver) peaks near
# 70 MiB, and refusing a bundle near 76 MiB; before bundles were checked before inflating,
# the hostile test's gzip bomb took 1,186 MiB and a 2 GiB file 4,171 MiB.
PEAK_LIMIT_MIB = 120
# A safety net for the machine, not the measurement: a regression that reads or inflates
# everything dies of MemoryError here instead of swapping the test host to death.
ADDRESS_SPACE_LIMIT = 3 * 1024**3


@dataclass
class Run:
    returncode: int
    stdout: bytes
    stderr: bytes
    peak_mib: float

    @property
    def output(self) -> str:
        return (self.stdout + self.stderr).decode("utf-8", errors="replace")


# Peak memory is measured by a small wrapper process that forks the real command and reads
# its rusage with ``wait4``. Not from here: Linux carries the parent's high-water RSS into a
# child through fork and exec, so a child of pytest would report pytest's own size.
_MEASURE = """
import os, resource, sys
limit, report, *command = sys.argv[1:]
pid = os.fork()
if pid == 0:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))
        os.execv(command[0], command)
    finally:
        os._exit(127)
_pid, status, usage = os.wait4(pid, 0)
with open(report, "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measured(
    command: list[str],
    *,
    report: Path,
    env: dict[str, str] | None = None,
    stdout: Any = None,
    stderr: Any = None,
    limit: int = ADDRESS_SPACE_LIMIT,
) -> tuple[int, float]:
    """Run ``command`` (its first item an absolute path); its exit code and peak RSS, MiB."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(limit), str(report), *command],
        stdout=stdout, stderr=stderr, env=env, check=False, timeout=600,
    )  # fmt: skip
    return done.returncode, int(report.read_text()) / 1024


def central_environment() -> dict[str, str]:
    environment = dict(os.environ)
    for name in ("POSKO_CENTRAL_DATABASE_URL", "POSKO_CENTRAL_DATA_DIR", "POSKO_LANG"):
        environment.pop(name, None)
    return environment


def central(database_url: str, *args: str, tmp_path: Path) -> Run:
    """``posko-central --database-url URL ARGS`` as a real process, with its peak RSS."""
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        code, peak_mib = measured(
            [sys.executable, "-m", "central.cli", "--database-url", database_url, *args],
            report=tmp_path / "peak",
            env=central_environment(),
            stdout=stdout,
            stderr=stderr,
        )
    return Run(code, out.read_bytes(), err.read_bytes(), peak_mib)


@dataclass
class Desk:
    """A desk enrolled with the central system, holding its signing key."""

    device_id: int
    prefix: str
    key: Ed25519PrivateKey


def enrolled_desk(store: CentralStore, post: str = "MRK") -> Desk:
    """A desk enrolled with ``store`` the way ``posko enroll`` does it, with a fresh key."""
    key = Ed25519PrivateKey.generate()
    code, _expires = store.create_enroll_code(post, 1)
    answer = enroll_with(store, code, key, label="laptop merak")
    return Desk(int(answer.device_id), answer.tracking_prefix, key)


# -- the files: built here from the format's description, not with the desk's writer --------

MAGIC = b"POSKO-BUNDLE\n"


def v2(
    desk: Desk,
    payload: bytes,
    *,
    record_count: int,
    inflated_bytes: int,
    key: Ed25519PrivateKey | None = None,
    **header: Any,
) -> bytes:
    """A version-2 bundle around ``payload``, signed by ``key`` (the desk's by default)."""
    fields: dict[str, Any] = {
        "format": "posko-bundle",
        "version": 2,
        "device_id": str(desk.device_id),
        "tracking_prefix": desk.prefix,
        "created_at": "2025-03-28T08:00:00+00:00",
        "record_count": record_count,
        "payload_bytes": len(payload),
        "inflated_bytes": inflated_bytes,
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
    } | header
    signed = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    signature = (key or desk.key).sign(b"posko-bundle/2\n" + signed)
    fields["signature"] = base64.b64encode(signature).decode()
    return MAGIC + json.dumps(fields).encode() + b"\n" + payload


def signed(desk: Desk, lines: list[bytes], **header: Any) -> bytes:
    """Record lines (raw JSON text each) in a correctly signed bundle."""
    text = b"".join(line + b"\n" for line in lines)
    fields = {"record_count": len(lines), "inflated_bytes": len(text)} | header
    return v2(desk, gzip.compress(text), **fields)


def records(desk: Desk, *items: dict[str, Any], **header: Any) -> bytes:
    return signed(desk, [json.dumps(item).encode() for item in items], **header)


def v1(desk: Desk, items: list[dict[str, Any]]) -> bytes:
    """A genuine version-1 bundle, as Posko wrote them before: gzip'd JSON, signed inside."""
    document: dict[str, Any] = {
        "format": "posko-bundle",
        "version": 1,
        "device_id": str(desk.device_id),
        "tracking_prefix": desk.prefix,
        "created_at": "2025-03-28T08:00:00+00:00",
        "records": items,
    }
    body = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    document["signature"] = base64.b64encode(desk.key.sign(body.encode())).decode()
    return gzip.compress(json.dumps(document).encode())


def v1_bomb() -> bytes:
    """The hostile test's file: 43 KB that inflate to 44 MB of ``{},`` (15 million empty
    objects once parsed), with no valid signature."""
    head = b'{"format":"posko-bundle","version":1,"device_id":"1","records":['
    body = b"{}," * (44_000_000 // 3)
    return gzip.compress(head + body + b'{}],"signature":"AAAA"}', compresslevel=9)


def zeros_gzip(size: int) -> bytes:
    """``size`` zero bytes, gzip'd a mebibyte at a time (1 GiB makes about 1 MB)."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [deflater.compress(block) for _ in range(size // len(block))]
    return b"".join([*parts, deflater.flush()])


def variants(desk: Desk) -> dict[str, tuple[bytes, str]]:
    """Every hand-made bad bundle from ``desk`` and the ``BundleError`` code it must get
    (the bombs and the revoked desk are tested on their own)."""
    from posko.bundle import BundleError as E

    first = json.dumps(complaint_record(desk.prefix, 1)).encode()
    line = first + b"\n"
    good = signed(desk, [first])
    header_end = good.index(b"\n", len(MAGIC)) + 1
    changed = bytearray(good)
    changed[-12] ^= 0x01  # one bit of the payload
    stranger = Ed25519PrivateKey.generate()
    deep = b"[" * 30_000 + b"]" * 30_000  # within one record line's 64 KiB
    return {
        # cut off
        "empty": (b"", E.TRUNCATED),
        "cut-in-magic": (MAGIC[:5], E.TRUNCATED),
        "cut-in-header": (good[: header_end - 20], E.TRUNCATED),
        "cut-in-payload": (good[: header_end + 10], E.TRUNCATED),
        "cut-at-end": (good[:-1], E.TRUNCATED),
        # more than was signed
        "garbage": (good + b"\x00garbage after the end", E.TRAILING_DATA),
        "member": (good + gzip.compress(line), E.TRAILING_DATA),
        # inside the signed payload: the signature is right, the payload is not one member
        "signed-member": (
            v2(desk, gzip.compress(line) * 2, record_count=2, inflated_bytes=2 * len(line)),
            E.TRAILING_DATA,
        ),
        "signed-garbage": (
            v2(desk, gzip.compress(line) + b"junk", record_count=1, inflated_bytes=len(line)),
            E.TRAILING_DATA,
        ),
        # not the desk's signature
        "wrong-signature": (signed(desk, [first], key=stranger), E.BAD_SIGNATURE),
        "changed-payload": (bytes(changed), E.BAD_SIGNATURE),
        "changed-header": (
            good.replace(b'"record_count": 1', b'"record_count": 2'),
            E.BAD_SIGNATURE,
        ),
        "unknown-device": (signed(Desk(999, desk.prefix, desk.key), [first]), E.UNKNOWN_DEVICE),
        "prefix": (signed(desk, [first], tracking_prefix="3XYZ"), "wrong_prefix"),
        # not a version-2 bundle
        "v1": (v1(desk, [complaint_record(desk.prefix, 1)]), E.OLD_VERSION),
        "zip": (b"PK\x03\x04 an office document", E.NOT_A_BUNDLE),
        "header-not-json": (MAGIC + b"{not json\n" + b"x" * 100, E.NOT_A_BUNDLE),
        "header-deep": (MAGIC + b"[" * 4000 + b"\n", E.NOT_A_BUNDLE),
        "header-too-long": (MAGIC + b" " * 10_000 + b"{}\n", E.NOT_A_BUNDLE),
        "header-fields": (MAGIC + b'{"format": "posko-bundle", "version": 2}\n', E.NOT_A_BUNDLE),
        "header-extra": (signed(desk, [first], comment="hello"), E.NOT_A_BUNDLE),
        "header-device": (signed(desk, [first], device_id="1e3"), E.NOT_A_BUNDLE),
        "header-when": (signed(desk, [first], created_at="yesterday"), E.NOT_A_BUNDLE),
        "header-count": (signed(desk, [first], record_count=True), E.NOT_A_BUNDLE),
        "newer": (MAGIC + b'{"format": "posko-bundle", "version": 4}\n', E.NEWER_VERSION),
        "too-many": (signed(desk, [first], record_count=200_001), E.CONTENT_TOO_LARGE),
        "too-big": (signed(desk, [first], inflated_bytes=2**30), E.CONTENT_TOO_LARGE),
        # signed, but the records are not what a desk writes
        "deep": (signed(desk, [first, b'{"kind": ' + deep + b"}"]), E.UNREADABLE),
        "deep-object": (
            signed(desk, [first, b'{"a":' * 10_000 + b"1" + b"}" * 10_000]),
            E.UNREADABLE,
        ),
        "not-flat": (signed(desk, [first, b'{"kind": {"a": {"b": 1}}}']), E.UNREADABLE),
        "list-of-lists": (signed(desk, [first, b'{"answers": [[1]]}']), E.UNREADABLE),
        "not-an-object": (signed(desk, [first, b"[1, 2]"]), E.UNREADABLE),
        "too-long": (signed(desk, [first, b'{"title": "' + b"x" * 70_000 + b'"}']), E.UNREADABLE),
        "no-newline": (
            v2(desk, gzip.compress(first), record_count=1, inflated_bytes=len(first)),
            E.UNREADABLE,
        ),
        "not-json": (signed(desk, [first, b'{"kind": NaN}']), E.UNREADABLE),
        "huge-number": (signed(desk, [first, b'{"count": ' + b"9" * 5000 + b"}"]), E.UNREADABLE),
        "not-utf8": (signed(desk, [first, b'{"title": "\xff\xfe"}']), E.UNREADABLE),
        "more-records": (signed(desk, [first, first], record_count=1), E.UNREADABLE),
        "fewer-records": (signed(desk, [first, first], record_count=3), E.UNREADABLE),
        "not-gzip": (v2(desk, b"plain text", record_count=1, inflated_bytes=10), E.UNREADABLE),
        "gzip-cut": (
            v2(desk, gzip.compress(line)[:-9], record_count=1, inflated_bytes=len(line)),
            E.UNREADABLE,
        ),
    }
