"""Sneakernet: the outbox in a signed, encrypted file for a USB stick, for posts that stay
offline.

A bundle is a fixed magic line, one JSON header line, then the payload. Version 3, what a
desk writes once it knows the central system's bundle key::

    POSKO-BUNDLE
    {"format": "posko-bundle", "version": 3, "device_id": "17", "tracking_prefix": "2223",
     "created_at": "...", "record_count": 7, "payload_bytes": 1250, "inflated_bytes": 5678,
     "payload_sha256": "<hex>", "central_key": "<base64>", "ephemeral_key": "<base64>",
     "nonce": "<base64>", "wrapped_key": "<base64>", "signature": "<base64>"}
    <AES-256-GCM ciphertext of the gzip payload>

The gzip payload (one member: one protocol-v1 record per line, JSON Lines) is encrypted
with a fresh random 256-bit content key (AES-256-GCM, ``nonce``); the content key is sealed
to the central system's X25519 public key (``central_key``) as an ECIES "sealed box": a
fresh ephemeral X25519 key pair (``ephemeral_key``), HKDF-SHA256 over the shared secret
with both public keys in its info, and AES-256-GCM of the content key under that key
(``wrapped_key``). Both encryptions take the bundle's identity (device, prefix, time) as
associated data. Only the central system's private key opens it: a lost stick carries no
reporter's name, phone or text in clear. ``payload_bytes`` and ``payload_sha256`` describe
the ciphertext, the bytes in the file; ``inflated_bytes`` the JSON Lines inside.

Version 2, what a desk writes while it does not know the central key (enrolled with an
older central system), has the same header without the four sealing fields, and the gzip
payload in clear after it. The central system reads both.

The signature is Ed25519 over the version's ``SIGNED_PREFIX`` and the canonical JSON of the
header without its signature; the header holds the payload's length and SHA-256, so the
signature covers every byte of the file. Each desk makes its key pair at enrollment and
registers the public key with the central system, so a bundle proves which desk wrote it
and that not one byte changed on the way; the private key never leaves the desk's profile.

The order of reading is the point of the format: a file arrives from a USB stick that
anyone may have handled, so the reader

1. refuses a file larger than ``MAX_FILE_BYTES`` from its size alone, before reading it;
2. reads only the magic line and a header line of at most ``MAX_HEADER_BYTES``;
3. checks the header's signature with the key the desk registered, then reads exactly the
   payload the header announces and checks its digest;
4. (version 3) checks that the bundle is sealed to this central system's key, unwraps the
   content key and decrypts the payload, AES-GCM's tag checked before anything is used;
5. and only then inflates, a bounded chunk at a time, never more than the header announced,
   one record line of at most ``MAX_RECORD_BYTES`` at a time, each a flat JSON object.

A forged file therefore costs a few kilobytes of reading; a signed one costs its payload
(twice, briefly, while it is decrypted) plus one line. Version 1 (gzip'd JSON with the
signature inside) cannot be checked before it is inflated, so it is refused unopened. The
central system imports a bundle through the same deduplication as an online push, so
importing twice, or syncing online after, never makes a record twice.
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

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from posko.files import write_atomic

FORMAT = "posko-bundle"
VERSION = 3  # sealed to the central system's key
PLAIN_VERSION = 2  # the payload in clear: a desk that does not know the central key yet
MAGIC = b"POSKO-BUNDLE\n"
# Domain separation: a header signature can never pass for anything else signed with the
# desk's key (a version-1 document, another version, a future format).
SIGNED_PREFIX = b"posko-bundle/3\n"
PLAIN_SIGNED_PREFIX = b"posko-bundle/2\n"
# HKDF's info names the sealing and is followed by both raw public keys (ephemeral, then
# central), so a wrapped key is bound to the pair it was made for.
SEAL_INFO = b"posko-bundle/3 content key\n"
KEY_BYTES = 32  # AES-256, and an X25519 public key
NONCE_BYTES = 12
WRAP_NONCE = bytes(NONCE_BYTES)  # the wrapping key is fresh for every bundle: used once
WRAPPED_BYTES = KEY_BYTES + 16  # the content key and its GCM tag
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

_PLAIN_FIELDS = frozenset(
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
_SEAL_FIELDS = frozenset({"central_key", "ephemeral_key", "nonce", "wrapped_key"})
_HEADER_FIELDS = {VERSION: _PLAIN_FIELDS | _SEAL_FIELDS, PLAIN_VERSION: _PLAIN_FIELDS}
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
    # Version 3: sealed to another central system's bundle key (or this one has none).
    OTHER_CENTRAL = "other_central"
    # Version 3: signed and sealed to this central system, but it does not decrypt.
    UNDECRYPTABLE = "undecryptable"

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
    # Version 3 only (empty in version 2, and then not in the file): base64 of the central
    # system's public key, the ephemeral public key, the payload's nonce, the wrapped key.
    central_key: str = ""
    ephemeral_key: str = ""
    nonce: str = ""
    wrapped_key: str = ""

    @property
    def sealed(self) -> bool:
        return self.version == VERSION

    def fields(self) -> dict[str, Any]:
        """The header's fields as the file holds them."""
        every = asdict(self)
        return every if self.sealed else {k: v for k, v in every.items() if k in _PLAIN_FIELDS}

    def signed_bytes(self) -> bytes:
        """What the signature covers."""
        body = {k: v for k, v in self.fields().items() if k != "signature"}
        prefix = SIGNED_PREFIX if self.sealed else PLAIN_SIGNED_PREFIX
        return prefix + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    def associated_data(self) -> bytes:
        """What both encryptions of a version-3 bundle are bound to."""
        return "\n".join(
            ("posko-bundle/3", self.device_id, self.tracking_prefix, self.created_at)
        ).encode("ascii")

    def line(self) -> bytes:
        return json.dumps(self.fields(), separators=(",", ":")).encode("ascii") + b"\n"


def _is_count(value: object, limit: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= limit


def _is_text(value: object, pattern: re.Pattern[str]) -> bool:
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def _is_key(value: object, size: int) -> bool:
    """Base64 of exactly ``size`` bytes."""
    if not isinstance(value, str) or len(value) > 200 or not _BASE64.fullmatch(value):
        return False
    try:
        return len(base64.b64decode(value, validate=True)) == size
    except ValueError:
        return False


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
    if version not in _HEADER_FIELDS or set(raw) != _HEADER_FIELDS[version]:
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
    if version == VERSION:
        checks |= {
            "central_key": _is_key(raw["central_key"], KEY_BYTES),
            "ephemeral_key": _is_key(raw["ephemeral_key"], KEY_BYTES),
            "nonce": _is_key(raw["nonce"], NONCE_BYTES),
            "wrapped_key": _is_key(raw["wrapped_key"], WRAPPED_BYTES),
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


# -- the central system's bundle key ----------------------------------------------------------


def raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_text(key: X25519PrivateKey | X25519PublicKey) -> str:
    """An X25519 public key as the wire and the header carry it: raw 32 bytes, base64."""
    public = key.public_key() if isinstance(key, X25519PrivateKey) else key
    return base64.b64encode(raw_public(public)).decode("ascii")


def public_key_from_text(text: str) -> X25519PublicKey:
    """``ValueError`` unless ``text`` is base64 of a raw 32-byte X25519 public key."""
    if not _is_key(text, KEY_BYTES):
        raise ValueError("not a base64 X25519 public key")
    return X25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))


def _wrapping_key(shared: bytes, ephemeral: bytes, central: bytes) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=SEAL_INFO + ephemeral + central)  # fmt: skip
    return AESGCM(hkdf.derive(shared))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _encrypt(header: Header, payload: bytes, central: X25519PublicKey) -> tuple[Header, bytes]:
    """``header`` with its sealing fields, and the ciphertext of ``payload`` for
    ``central``: a fresh content key, wrapped with a key only ``central`` can derive."""
    content_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = raw_public(ephemeral.public_key())
    central_raw = raw_public(central)
    aad = header.associated_data()  # the sealing fields are not part of it
    wrapping = _wrapping_key(ephemeral.exchange(central), ephemeral_raw, central_raw)
    sealing = {
        "central_key": _b64(central_raw),
        "ephemeral_key": _b64(ephemeral_raw),
        "nonce": _b64(nonce),
        "wrapped_key": _b64(wrapping.encrypt(WRAP_NONCE, content_key, aad)),
    }
    ciphertext = AESGCM(content_key).encrypt(nonce, payload, aad)
    return Header(**(asdict(header) | sealing)), ciphertext


def _decrypt(header: Header, ciphertext: bytes, central: X25519PrivateKey | None) -> bytes:
    """The gzip payload of a version-3 bundle whose signature and digest checked out."""
    central_raw = b"" if central is None else raw_public(central.public_key())
    if central is None or base64.b64decode(header.central_key) != central_raw:
        raise BundleError(BundleError.OTHER_CENTRAL, header.central_key)
    ephemeral_raw = base64.b64decode(header.ephemeral_key)
    aad = header.associated_data()
    try:
        shared = central.exchange(X25519PublicKey.from_public_bytes(ephemeral_raw))
        wrapping = _wrapping_key(shared, ephemeral_raw, central_raw)
        content_key = wrapping.decrypt(WRAP_NONCE, base64.b64decode(header.wrapped_key), aad)
        nonce = base64.b64decode(header.nonce)
        return AESGCM(content_key).decrypt(nonce, ciphertext, aad)
    except (InvalidTag, ValueError) as exc:  # ValueError: a low-order ephemeral key
        raise BundleError(BundleError.UNDECRYPTABLE, type(exc).__name__) from None


# -- writing -------------------------------------------------------------------------------


def seal(
    key: Ed25519PrivateKey,
    *,
    device_id: str,
    tracking_prefix: str,
    records: list[dict[str, Any]],
    central_key: X25519PublicKey | None = None,
    created_at: datetime | None = None,
) -> bytes:
    """The bundle's bytes: version 3, encrypted to ``central_key``, or version 2 (in clear)
    without one. ``BundleError(CONTENT_TOO_LARGE)`` if the central system would refuse it
    for its size, so a desk never writes a file that cannot be imported."""
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
        version=PLAIN_VERSION if central_key is None else VERSION,
        device_id=device_id,
        tracking_prefix=tracking_prefix,
        created_at=(created_at or datetime.now(UTC)).isoformat(),
        record_count=len(records),
        payload_bytes=len(payload),
        inflated_bytes=inflated,
        payload_sha256="",
        signature="",
    )
    if central_key is not None:
        unsigned, payload = _encrypt(unsigned, payload, central_key)
    unsigned = Header(
        **(
            asdict(unsigned)
            | {"payload_bytes": len(payload), "payload_sha256": hashlib.sha256(payload).hexdigest()}
        )
    )
    signature = base64.b64encode(key.sign(unsigned.signed_bytes())).decode("ascii")
    header = Header(**(asdict(unsigned) | {"signature": signature}))
    _header(header.fields())  # what the reader will check
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
    central_key: X25519PublicKey | None = None,
) -> int:
    """Write atomically (a half-written bundle never replaces a good one); returns bytes.
    Sealed to ``central_key`` (version 3) when it is given, in clear (version 2) without."""
    data = seal(
        key,
        device_id=device_id,
        tracking_prefix=tracking_prefix,
        records=records,
        central_key=central_key,
    )
    write_atomic(target, data)
    return len(data)


# -- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bundle:
    """A bundle whose signature and payload digest checked out (and, sealed, whose payload
    decrypted); its records are inflated only as they are read, a bounded chunk at a time.
    ``payload`` is the gzip member, in clear."""

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

    def verify(self, public_key: str, central_key: X25519PrivateKey | None = None) -> Bundle:
        """Check the header's signature with the desk's registered key, then read exactly
        the announced payload and check its digest; a version-3 bundle is then decrypted
        with ``central_key``, this central system's bundle key (``OTHER_CENTRAL`` when it
        was sealed to another key, or there is none; ``UNDECRYPTABLE`` when it does not
        open)."""
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
        if self.header.sealed:
            payload = _decrypt(self.header, payload, central_key)
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
