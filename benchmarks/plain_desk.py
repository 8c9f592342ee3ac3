"""The desk as it was before its database was encrypted: ``posko --data-dir DIR`` with the
key never unlocked, so every file of the profile is plain SQLite. Only the baseline of
``benchmarks/encryption.py``; the desk itself has no such mode.

The profile must have its start card (``benchmarks/encryption.py`` checks it): the window
is then drawn before the key would be fetched, and the key's module is patched only then,
so the baseline imports nothing the desk does not import before its window shows."""

import sys

from desktop.paths import Profile


def no_key(profile: Profile, *, start_anew: bool = False) -> bytes:
    """``desk_key.unlock`` for a desk before encryption: no key, plain files."""
    return b""


def main() -> None:
    import desktop.app

    opening = desktop.app.DeskApp.open_store

    def open_plain(self: desktop.app.DeskApp) -> None:
        from desktop.store import desk_key

        desk_key.unlock = no_key
        opening(self)

    desktop.app.DeskApp.open_store = open_plain  # type: ignore[method-assign]
    from desktop.cli import main as posko

    raise SystemExit(posko(sys.argv[1:]))


if __name__ == "__main__":
    main()
