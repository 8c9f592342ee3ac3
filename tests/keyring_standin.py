"""A stand-in for the operating system's keyring, for the tests (and the desks they start).

The real ones (Windows Credential Manager, the macOS Keychain, a Linux desktop's Secret
Service over D-Bus) are out of reach on a headless test machine, so the desk's key goes
here instead: a real ``keyring`` backend, chosen the way a user would choose one
(``PYTHON_KEYRING_BACKEND``), that keeps each secret in a file of its own under
``POSKO_TEST_KEYRING`` (one file per entry, written atomically, so desks in several
processes share it safely)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

ENV = "POSKO_TEST_KEYRING"


class FileKeyring(KeyringBackend):
    priority = 1

    def _path(self, service: str, username: str) -> Path:
        folder = Path(os.environ[ENV])
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder / hashlib.sha256(f"{service}\0{username}".encode()).hexdigest()

    def get_password(self, service: str, username: str) -> str | None:
        try:
            return self._path(service, username).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def set_password(self, service: str, username: str, password: str) -> None:
        target = self._path(service, username)
        tmp = target.with_name(f".{target.name}.{os.getpid()}")
        tmp.write_text(password, encoding="utf-8")
        os.replace(tmp, target)

    def delete_password(self, service: str, username: str) -> None:
        try:
            self._path(service, username).unlink()
        except FileNotFoundError as exc:
            raise PasswordDeleteError(username) from exc
