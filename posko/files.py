"""Atomic file writes for the sync's credentials and bundles: a half-written file never
replaces a good one, and a private file is never readable by others, not even briefly; and the
survey report's XLSX and PDF files (``replacing``)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def write_atomic(target: Path, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` to a temporary file beside ``target``, flush it to disk, then rename
    it over ``target``. ``private``: mode 0600 from the moment the file exists."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)
    try:
        if private and hasattr(os, "fchmod"):  # Windows before Python 3.13 has none
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def replacing(target: Path, *, private: bool = False) -> Iterator[Path]:
    """A temporary path beside ``target`` for a writer that wants a file name (a workbook,
    a PDF): renamed over ``target`` once the block ends, removed if it raises, so a failed
    write leaves neither a partial file nor a stray temporary one. The folder must exist.
    ``private`` (a file with personal data): its owner's alone, mode 0600 throughout."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}-", suffix=".tmp", dir=target.parent)
    if not private and hasattr(os, "fchmod"):  # Windows has no modes to set
        os.fchmod(fd, 0o644)  # a report to hand on, not mkstemp's private 0600
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_once(target: Path, data: bytes, *, private: bool = False) -> bool:
    """Write ``data`` to ``target`` unless it exists already, atomically as
    ``write_atomic`` does, but never replacing: of two processes racing to make the same
    file, one wins and the other keeps what it found. Whether this call made it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)
    try:
        if private and hasattr(os, "fchmod"):  # Windows before Python 3.13 has none
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, target)  # fails if the target exists: no window, no overwrite
        except FileExistsError:
            return False
        return True
    finally:
        Path(tmp).unlink(missing_ok=True)
