"""Who this desk is, kept outside its database: so no tracking ID is ever issued twice.

A tracking ID is the device's prefix and a sequence number. The database counts the
sequence, but a database can vanish (a 0-byte file after a disk error) or go back in time (an
old backup restored). The profile's identity file, ``device-identity.json``, records
beside it what is needed to never reuse a number:

- the device's UUID and its current prefix;
- the highest sequence issued under every prefix the device ever used (its provisional
  prefix, then the enrolled one);
- what resumes the desk after its database vanished: enrolled or not, the enrolled device
  ID, the central system's address, the post, the operator, language, paper and time zone.

The store updates it after every save that issues IDs and whenever the device row changes
(``desktop.store.repo``); a profile made before the file existed gets it on its first open.
Writes are atomic and private (0600), serialised between processes by a lock file, and merge
with what is on disk: a number recorded never goes down. Standard library only.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from desktop.paths import Profile
from posko.files import write_atomic

try:
    import fcntl
except ImportError:  # pragma: no cover (Windows: one desk process at a time)
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("posko.db")

FORMAT = "posko-identity"
VERSION = 1
LOCK_FILE = ".device-identity.lock"


@dataclass(frozen=True)
class Notice:
    """Something the desk fixed by itself on opening and the operator must hear about."""

    ROLLED_BACK = "rolled_back"  # an older copy of the database: the sequence was raised

    code: str
    last_issued: str  # the highest tracking ID this desk ever issued (its identity file)
    last_in_file: str  # the highest one the database knew ("" when none)


class IdentityError(ValueError):
    """The identity file exists but cannot be read (not JSON, not this format)."""


@dataclass(frozen=True)
class Identity:
    device_uuid: str
    prefix: str
    issued: dict[str, int] = field(default_factory=dict)  # prefix → highest sequence issued
    enrolled: bool = False
    enrolled_device_id: str = ""
    central_url: str = ""
    post_code: str = ""
    post_name: str = ""
    operator: str = ""
    language: str = ""
    paper: str = ""
    time_zone: str = ""  # absent from files written before it was kept
    updated_at: str = ""

    def highest(self, prefix: str) -> int | None:
        return self.issued.get(prefix)

    @property
    def is_desk(self) -> bool:
        """False for the placeholder a desk that started over leaves until its setup."""
        return bool(self.device_uuid and self.prefix)

    def to_json(self) -> bytes:
        content = {
            "format": FORMAT,
            "version": VERSION,
            "device_uuid": self.device_uuid,
            "prefix": self.prefix,
            "issued": dict(sorted(self.issued.items())),
            "enrolled": self.enrolled,
            "enrolled_device_id": self.enrolled_device_id,
            "central_url": self.central_url,
            "post_code": self.post_code,
            "post_name": self.post_name,
            "operator": self.operator,
            "language": self.language,
            "paper": self.paper,
            "time_zone": self.time_zone,
            "updated_at": self.updated_at,
        }
        return json.dumps(content, ensure_ascii=False, indent=1).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Identity:
        try:
            content = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise IdentityError(f"not JSON: {exc}") from exc
        if not isinstance(content, dict) or content.get("format") != FORMAT:
            raise IdentityError("not a Posko identity file")
        issued = content.get("issued")
        if not isinstance(issued, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
            for k, v in issued.items()
        ):
            raise IdentityError("bad issued numbers")

        def text(name: str) -> str:
            value = content.get(name, "")
            return value if isinstance(value, str) else ""

        return cls(
            device_uuid=text("device_uuid"),
            prefix=text("prefix"),
            issued=dict(issued),
            enrolled=content.get("enrolled") is True,
            enrolled_device_id=text("enrolled_device_id"),
            central_url=text("central_url"),
            post_code=text("post_code"),
            post_name=text("post_name"),
            operator=text("operator"),
            language=text("language"),
            paper=text("paper"),
            time_zone=text("time_zone"),
            updated_at=text("updated_at"),
        )


def read(profile: Profile) -> Identity | None:
    """The recorded identity; None when the profile has no identity file."""
    try:
        raw = profile.identity.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IdentityError(str(exc)) from exc
    return Identity.from_json(raw)


def highest_issued(profile: Profile, prefix: str) -> int | None:
    """The highest sequence this profile's desk ever issued under ``prefix``; None when it
    never used it (or the file cannot be read, which is logged). Enrollment must never hand
    out a sequence at or below it."""
    try:
        known = read(profile)
    except IdentityError as exc:
        log.error("the identity file %s cannot be read: %s", profile.identity, exc)
        return None
    return known.highest(prefix) if known else None


@contextmanager
def _locked(profile: Profile) -> Iterator[None]:
    """Between processes: read, merge and write the file as one step."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(profile.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _write(profile: Profile, identity: Identity) -> None:
    write_atomic(profile.identity, identity.to_json(), private=True)
    # The rename is durable only once the folder is: a power cut must not bring back the
    # previous file with its lower numbers.
    try:
        fd = os.open(profile.root, os.O_RDONLY)
    except OSError:  # pragma: no cover (platforms that cannot open a folder)
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _merged_issued(*maps: dict[str, int]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for issued in maps:
        for prefix, sequence in issued.items():
            merged[prefix] = max(sequence, merged.get(prefix, sequence))
    return merged


def record(profile: Profile, identity: Identity) -> Identity:
    """Write ``identity``, keeping every higher number already on disk; returns what was
    written. An unreadable file on disk is replaced (and said so in the log)."""
    with _locked(profile):
        try:
            on_disk = read(profile)
        except IdentityError as exc:
            log.error("replacing the unreadable identity file %s: %s", profile.identity, exc)
            on_disk = None
        issued = _merged_issued(on_disk.issued if on_disk else {}, identity.issued)
        if identity.prefix:
            issued.setdefault(identity.prefix, 0)
        merged = replace(identity, issued=issued, updated_at=datetime.now(UTC).isoformat())
        if on_disk is not None and replace(on_disk, updated_at="") == replace(
            merged, updated_at=""
        ):
            return on_disk  # nothing new: no write, no fsync
        _write(profile, merged)
        return merged


def record_issued(profile: Profile, prefix: str, sequence: int) -> bool:
    """Raise the highest issued under ``prefix`` to ``sequence`` (the save path: one small
    read, one atomic write). False when there is no readable file to add it to: the
    caller records the whole identity instead."""
    with _locked(profile):
        try:
            on_disk = read(profile)
        except IdentityError:
            return False
        if on_disk is None or not on_disk.is_desk:
            return False
        if on_disk.issued.get(prefix, -1) >= sequence:
            return True
        issued = dict(on_disk.issued)
        issued[prefix] = sequence
        _write(profile, replace(on_disk, issued=issued, updated_at=datetime.now(UTC).isoformat()))
        return True


def had_desk(profile: Profile) -> bool:
    """Whether this profile shows that a desk was set up here: an identity naming a
    device, or (for profiles older than the identity file) the device key or token."""
    try:
        known = read(profile)
    except IdentityError:
        return True  # something was written here; do not take it for a first run
    if known is not None:
        return known.is_desk
    return profile.device_key.exists() or profile.device_token.exists()


def clear_for_new_desk(profile: Profile) -> None:
    """The operator chose to start this profile over as a new desk (no identity to resume):
    a placeholder that names no device, so the setup that follows is a first run. Numbers
    recorded for any prefix stay recorded."""
    with _locked(profile):
        try:
            on_disk = read(profile)
        except IdentityError:
            on_disk = None
        issued = on_disk.issued if on_disk else {}
        _write(profile, Identity(device_uuid="", prefix="", issued=dict(issued)))
