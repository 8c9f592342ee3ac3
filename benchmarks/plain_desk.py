"""The desk as it was before its database was encrypted: ``posko --data-dir DIR`` with the
key never unlocked, so every file of the profile is plain SQLite. Only the baseline of
``benchmarks/encryption.py``; the desk itself has no such mode."""

import sys

from desktop.paths import Profile
from desktop.store import desk_key


def _no_key(profile: Profile, *, start_anew: bool = False) -> bytes:
    return b""


def main() -> None:
    desk_key.unlock = _no_key
    from desktop.cli import main as posko

    raise SystemExit(posko(sys.argv[1:]))


if __name__ == "__main__":
    main()
