"""Sneakernet: the outbox in a signed file for a USB stick, for posts that stay offline.

A bundle (version 2) is a fixed magic line, one JSON header line, then the gzip payload::

    POSKO-BUNDLE
    {"format": "posko-bundle", "version": 2, "device_id": "17", "tracking_prefix": "2223",
     "created_at": "...", "record_count": 7, "payload_bytes": 1234, "inflated_bytes": 5678,
     "payload_sha256": "<hex>", "signature": "<base64>"}
    <gzip, one member: one protocol-v1 record per line (JSON Lines)>

The signature is Ed25519 over ``SIGNED_PREFIX`` and the canonical JSON of the header without
its signature; the header holds the payload's length and SHA-256, so the signature covers
every byte of the file. Each desk makes its key pair at enrollment and registers the public
key with the central system, so a bundle proves which desk wrote it and that not one byte
changed on the way; the private key never leaves the desk's profile.

The order of reading is the point of the format: a file arrives from a USB stick that
anyone may have handled, so the reader

1. refuses a file larger than ``MAX_FILE_BYTES`` from its size alone, before reading it;
2. reads only the magic line and a header line of at most ``MAX_HEADER_BYTES``;
3. checks the header's signature with the key the desk registered, then reads exactly the
   payload the header announces and checks its digest;
4. and only then inflates, a bounded chunk at a time, never more than the header announced,
   one record line of at most ``MAX_RECORD_BYTES`` at a time, each a flat JSON object.

A forged file therefore costs a few kilobytes of reading; a signed one costs its payload
plus one line. Version 1 (gzip'd JSON with the signature inside) cannot be checked before
it is inflated, so it is refused unopened. The central system imports a bundle through the
same deduplication as an online push, so importing twice, or syncing online after, never
makes a record twice.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from posko.files import write_atomic

FORMAT = "posko-bundle"
VERSION = 2
MAGIC = b"POSKO-BUNDLE\n"
# Domain separation: a version-2 header signature can never pass for anything else signed
# with the desk's key (a version-1 document, a future format).
SIGNED_PREFIX = b"posko-bundle/2\n"
GZIP_MAGIC = b"\x1f\x8b"  # how every version-1 bundle starts

# Caps, sized for a real season. A desk makes at most a few thousand records a day (most of
# them tally events of ~250 bytes; a complaint is ~0.6 KB with a typical text, ~20 KB with
# every field at the protocol's maximum), and a mudik season is about three weeks around
# Lebaran: a post that never comes online gathers well under 150,000 records.
MAX_RECORDS = 200_000
# 200,000 records at an average of 2.6 KB, four times a typical complaint.
MAX_INFLATED_BYTES = 512 * 1024 * 1024
# Record text compresses 6x (measured on the demo complaints), free text at worst ~3x:
# a full season is well under 100 MB on the stick. Only the header is read before the
# signature is checked, so this bounds what a genuine bundle holds in memory.
MAX_FILE_BYTES = 256 * 1024 * 1024
# One record line: three times the largest record the protocol allows.
MAX_RECORD_BYTES = 64 * 1024
# The header's fields are all short (the signature is 88 characters).
MAX_HEADER_BYTES = 4 * 1024
GZIP_WBITS = 16 + zlib.MAX_WBITS  # gzip framing only, its CRC and length checked
READ_CHUNK = 256 * 1024
INFLATE_CHUNK = 256 * 1024

_HEADER_FIELDS = frozenset(
    {
        "format",
        "version",
        "device_id",
        "tracking_prefix",
        "created_at",
        "record_count",
        "payload_bytes",
        "inflated_bytes",
        "payload_sha256",
        "signature",
    }
)
_DEVICE_ID = re.compile(r"[1-9][0-9]{0,17}")
_PREFIX = re.compile(r"[0-9A-Z]{1,16}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{1,200}={0,2}")


class BundleError(ValueError):
    """A bundle that cannot be trusted or read; ``code`` says why, ``detail`` is for
    developers (it may quote the file: never print it unsanitised)."""

    TOO_LARGE = "too_large"  # the file itself, refused before it is read
    NOT_A_BUNDLE = "not_a_bundle"
    OLD_VERSION = "old_version"  # version 1: cannot be verified before inflating
    NEWER_VERSION = "newer_version"
    TRUNCATED = "truncated"
    TRAILING_DATA = "trailing_data"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_DEVICE = "unknown_device"
    CONTENT_TOO_LARGE = "content_too_large"  # more records or bytes than one import takes
    UNREADABLE = "unreadable"  # signed, but not what Posko writes (nesting, not gzip, …)

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


# -- the header --------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    format: str
    version: int
    device_id: str
    tracking_prefix: str
    created_at: str
    record_count: int
    payload_bytes: int
    inflated_bytes: int
    payload_sha256: str
    signature: str

    def signed_bytes(self) -> bytes:
        """What the signature covers."""
        body = {k: v for k, v in asdict(self).items() if k != "signature"}
        return SIGNED_PREFIX + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    def line(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode("ascii") + b"\n"


def _is_count(value: object, limit: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= limit


def _is_text(value: object, pattern: re.Pattern[str]) -> bool:
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def _is_moment(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 40:
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _header(raw: Mapping[str, Any]) -> Header:
    """Check a header's shape (the signature is checked later, with the device's key)."""
    if raw.get("format") != FORMAT:
        raise BundleError(BundleError.NOT_A_BUNDLE, "format")
    version = raw.get("version")
    if not _is_count(version, 2**31):
        raise BundleError(BundleError.NOT_A_BUNDLE, "version")
    assert isinstance(version, int)
    if version > VERSION:
        raise BundleError(BundleError.NEWER_VERSION, str(version))
    if version < VERSION or set(raw) != _HEADER_FIELDS:
        raise BundleError(BundleError.NOT_A_BUNDLE, "fields")
    checks = {
        "device_id": _is_text(raw["device_id"], _DEVICE_ID),
        "tracking_prefix": _is_text(raw["tracking_prefix"], _PREFIX),
        "created_at": _is_moment(raw["created_at"]),
        "record_count": _is_count(raw["record_count"], 2**62),
        "payload_bytes": _is_count(raw["payload_bytes"], 2**62) and raw["payload_bytes"] > 0,
        "inflated_bytes": _is_count(raw["inflated_bytes"], 2**62),
        "payload_sha256": _is_text(raw["payload_sha256"], _SHA256),
        "signature": _is_text(raw["signature"], _BASE64),
    }
    wrong = [name for name, ok in checks.items() if not ok]
    if wrong:
        raise BundleError(BundleError.NOT_A_BUNDLE, ", ".join(wrong))
    if raw["record_count"] > MAX_RECORDS or raw["inflated_bytes"] > MAX_INFLATED_BYTES:
        raise BundleError(BundleError.CONTENT_TOO_LARGE)
    return Header(**raw)


# -- records -------------------------------------------------------------------------------


def _scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def check_record(value: object) -> dict[str, Any]:
    """A record is a flat JSON object: its values are scalars, or a list or object of
    scalars (a survey's answers). The protocol has nothing deeper."""
    if not isinstance(value, dict):
        raise BundleError(BundleError.UNREADABLE, "a record is not an object")
    for member in value.values():
        if _scalar(member):
            continue
        inner = member.values() if isinstance(member, dict) else member
        if not isinstance(member, dict | list) or not all(_scalar(v) for v in inner):
            raise BundleError(BundleError.UNREADABLE, "a record nests too deep")
    return value


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not JSON a desk writes")


def parse_record(line: bytes) -> dict[str, Any]:
    """One record line. The line is short (``MAX_RECORD_BYTES``), so a deep nesting fails
    fast, as ``RecursionError`` inside ``json``: caught here like any malformed text."""
    try:
        value = json.loads(line.decode("utf-8"), parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        raise BundleError(BundleError.UNREADABLE, type(exc).__name__) from None
    return check_record(value)


def _record_line(record: Mapping[str, Any]) -> bytes:
    check_record(dict(record))
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(line) > MAX_RECORD_BYTES:
        raise BundleError(BundleError.CONTENT_TOO_LARGE, "a record")
    return line + b"\n"


# -- writing -------------------------------------------------------------------------------


def seal(
    key: Ed25519PrivateKey,
    *,
    device_id: str,
    tracking_prefix: str,
    records: list[dict[str, Any]],
    created_at: datetime | None = None,
) -> bytes:
    """The bundle's bytes; ``BundleError(CONTENT_TOO_LARGE)`` if the central system would
    refuse it for its size, so a desk never writes a file that cannot be imported."""
    if len(records) > MAX_RECORDS:
        raise BundleError(BundleError.CONTENT_TOO_LARGE, f"{len(records)} records")
    deflater = zlib.compressobj(6, zlib.DEFLATED, GZIP_WBITS)
    parts: list[bytes] = []
    inflated = 0
    for record in records:
        line = _record_line(record)
        inflated += len(line)
        if inflated > MAX_INFLATED_BYTES:
            raise BundleError(BundleError.CONTENT_TOO_LARGE, f"{inflated} bytes")
        parts.append(deflater.compress(line))
    parts.append(deflater.flush())
    payload = b"".join(parts)
    unsigned = Header(
        format=FORMAT,
        version=VERSION,
        device_id=device_id,
        tracking_prefix=tracking_prefix,
        created_at=(created_at or datetime.now(UTC)).isoformat(),
        record_count=len(records),
        payload_bytes=len(payload),
        inflated_bytes=inflated,
        payload_sha256=hashlib.sha256(payload).hexdigest(),
        signature="",
    )
    signature = base64.b64encode(key.sign(unsigned.signed_bytes())).decode("ascii")
    header = Header(**(asdict(unsigned) | {"signature": signature}))
    _header(asdict(header))  # what the reader will check
    data = MAGIC + header.line() + payload
    if len(data) > MAX_FILE_BYTES:
        raise BundleError(BundleError.CONTENT_TOO_LARGE, f"{len(data)} bytes")
    return data


def write_bundle(
    target: Path,
    key: Ed25519PrivateKey,
    *,
    device_id: str,
    tracking_prefix: str,
    records: list[dict[str, Any]],
) -> int:
    """Write atomically (a half-written bundle never replaces a good one); returns bytes."""
    data = seal(key, device_id=device_id, tracking_prefix=tracking_prefix, records=records)
    write_atomic(target, data)
    return len(data)


# -- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bundle:
    """A bundle whose signature and payload digest checked out; its records are inflated
    only as they are read, a bounded chunk at a time."""

    header: Header
    payload: bytes

    @property
    def device_id(self) -> str:
        return self.header.device_id

    @property
    def tracking_prefix(self) -> str:
        return self.header.tracking_prefix

    @property
    def created_at(self) -> str:
        return self.header.created_at

    def records(self) -> Iterator[dict[str, Any]]:
        """Every record, in order. A bad one raises ``BundleError`` where it is met: call
        ``check`` first to refuse a bundle before any of it is used."""
        count = 0
        for line in self._lines():
            count += 1
            if count > self.header.record_count:
                raise BundleError(BundleError.UNREADABLE, "more records than announced")
            yield parse_record(line)
        if count != self.header.record_count:
            raise BundleError(BundleError.UNREADABLE, "fewer records than announced")

    def check(self) -> int:
        """Read every record once, keeping none; how many there are."""
        return sum(1 for _record in self.records())

    def _lines(self) -> Iterator[bytes]:
        inflater = zlib.decompressobj(GZIP_WBITS)
        payload = memoryview(self.payload)
        position = produced = 0
        pending = bytearray()
        while not inflater.eof:
            if inflater.unconsumed_tail:
                chunk: bytes | memoryview = inflater.unconsumed_tail
            else:
                chunk = payload[position : position + READ_CHUNK]
                position += len(chunk)
            try:
                out = inflater.decompress(chunk, INFLATE_CHUNK)
            except zlib.error as exc:
                raise BundleError(BundleError.UNREADABLE, str(exc)) from None
            if not out and not chunk:
                raise BundleError(BundleError.UNREADABLE, "the gzip stream is cut off")
            produced += len(out)
            if produced > self.header.inflated_bytes:
                raise BundleError(BundleError.UNREADABLE, "inflates beyond the announced size")
            pending += out
            start = 0
            while (end := pending.find(b"\n", start)) >= 0:
                if end - start > MAX_RECORD_BYTES:
                    raise BundleError(BundleError.UNREADABLE, "a record line is too long")
                yield bytes(pending[start:end])
                start = end + 1
            del pending[:start]
            if len(pending) > MAX_RECORD_BYTES:
                raise BundleError(BundleError.UNREADABLE, "a record line is too long")
        if inflater.unused_data or inflater.unconsumed_tail or position < len(payload):
            raise BundleError(BundleError.TRAILING_DATA, "after the gzip member")
        if pending or produced != self.header.inflated_bytes:
            raise BundleError(BundleError.UNREADABLE, "the last record is cut off")


class SealedBundle:
    """An opened bundle whose header has the right shape; nothing after the header is read
    until ``verify`` has checked the signature. Use it as a context manager."""

    def __init__(self, handle: BinaryIO, header: Header, offset: int) -> None:
        self._handle = handle
        self.header = header
        self._offset = offset

    def __enter__(self) -> SealedBundle:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._handle.close()

    def verify(self, public_key: str) -> Bundle:
        """Check the header's signature with the desk's registered key, then read exactly
        the announced payload and check its digest."""
        try:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
            signature = base64.b64decode(self.header.signature, validate=True)
            key.verify(signature, self.header.signed_bytes())
        except (InvalidSignature, ValueError) as exc:
            raise BundleError(BundleError.BAD_SIGNATURE) from exc
        self._handle.seek(self._offset)
        payload = self._handle.read(self.header.payload_bytes + 1)
        if len(payload) < self.header.payload_bytes:
            raise BundleError(BundleError.TRUNCATED, "the file shrank")
        if len(payload) > self.header.payload_bytes:
            raise BundleError(BundleError.TRAILING_DATA, "the file grew")
        if hashlib.sha256(payload).hexdigest() != self.header.payload_sha256:
            raise BundleError(BundleError.BAD_SIGNATURE, "payload digest")
        return Bundle(self.header, payload)


def _open(handle: BinaryIO, size: int) -> SealedBundle:
    try:
        if size > MAX_FILE_BYTES:
            raise BundleError(BundleError.TOO_LARGE, f"{size} bytes")
        head = handle.read(len(MAGIC) + MAX_HEADER_BYTES + 1)
        if head.startswith(GZIP_MAGIC):
            raise BundleError(BundleError.OLD_VERSION)
        if not head.startswith(MAGIC):
            code = BundleError.TRUNCATED if MAGIC.startswith(head) else BundleError.NOT_A_BUNDLE
            raise BundleError(code, "magic")
        end = head.find(b"\n", len(MAGIC))
        if end < 0:
            cut_off = len(head) <= len(MAGIC) + MAX_HEADER_BYTES
            raise BundleError(BundleError.TRUNCATED if cut_off else BundleError.NOT_A_BUNDLE)
        try:
            raw = json.loads(head[len(MAGIC) : end].decode("utf-8"))
        except (ValueError, RecursionError) as exc:
            raise BundleError(BundleError.NOT_A_BUNDLE, type(exc).__name__) from None
        if not isinstance(raw, dict):
            raise BundleError(BundleError.NOT_A_BUNDLE, "header")
        header = _header(raw)
        offset = end + 1
        if size < offset + header.payload_bytes:
            raise BundleError(BundleError.TRUNCATED)
        if size > offset + header.payload_bytes:
            raise BundleError(BundleError.TRAILING_DATA)
    except BaseException:
        handle.close()
        raise
    return SealedBundle(handle, header, offset)


def open_bundle(path: Path) -> SealedBundle:
    """Open a bundle file: its size checked before a byte is read, then only its header.
    ``OSError`` if it cannot be opened; ``BundleError`` for anything else."""
    # Non-blocking, so that a FIFO does not hang the open; a regular file ignores the flag.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # a FIFO or a device never ends
            raise BundleError(BundleError.NOT_A_BUNDLE, "not a regular file")
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    return _open(handle, info.st_size)


def parse_bundle(data: bytes) -> SealedBundle:
    """The same checks for a bundle already in memory."""
    return _open(io.BytesIO(data), len(data))
