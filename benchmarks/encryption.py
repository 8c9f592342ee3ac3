"""What encrypting the desk's database costs (issue 14): the same work on the same
100,000-report profile, encrypted (SQLCipher, the desk as shipped) against plain SQLite
(the desk before), measured in the same run, interleaved:

- start-up to the main window shown (``posko --data-dir DIR``; the plain side through
  ``benchmarks/plain_desk.py``), and each as a ratio to a bare PySide6 window (goal ≤ 1.5×);
  then on to the key fetched and the database open, the window filled in (the window is
  drawn from the start card first, so the key's cost shows here);
- save + receipt PDF (goal: median ≤ 50 ms);
- the report list's search (the count and the first page of 200, as the list asks) by a
  reporter's name, by phone digits and by a word of the title, and the list's first page
  unfiltered.

The key comes from the keyring stand-in the tests use (``tests/keyring_standin.py``), so
no benchmark writes into the machine's own keyring."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.__main__ import (
    ENV,
    HERE,
    make_profile,
    save_and_receipt,
    timed_command,
    timed_desk,
    timed_start,
)
from benchmarks.plain_desk import no_key


@contextmanager
def plain() -> Iterator[None]:
    """Within: profiles are opened as before encryption (no key, plain files)."""
    from desktop.store import desk_key

    unlock = desk_key.unlock
    desk_key.unlock = no_key
    try:
        yield
    finally:
        desk_key.unlock = unlock


def _plain_desk(profile: Path, until: str = "1") -> tuple[float, int]:
    command = [sys.executable, str(HERE / "plain_desk.py"), "--data-dir", str(profile)]
    return timed_command([*command, "--no-crash-dialog"], dict(ENV, POSKO_EXIT_WHEN_SHOWN=until))


def _desk_open(profile: Path) -> tuple[float, int]:
    """Start-up until the key is fetched and the store is open, the window filled in."""
    command = [sys.executable, "-m", "desktop", "--data-dir", str(profile), "--no-crash-dialog"]
    return timed_command(command, dict(ENV, POSKO_EXIT_WHEN_SHOWN="open"))


def _median_ms(work: Callable[[], object], rounds: int) -> float:
    work()  # warm the page cache and the statements
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def _searches(root: Path, rounds: int) -> dict[str, float]:
    from desktop.paths import Profile
    from desktop.store.records import ComplaintQuery
    from desktop.store.repo import Store

    store = Store.open(Profile(root))
    try:
        figures = {}
        for name, text in (
            ("name", "Siti"),
            ("phone_digits", "0812 3"),
            ("title_word", "antrean"),
            ("unfiltered", ""),
        ):
            query = ComplaintQuery(text=text)

            def page(query: ComplaintQuery = query) -> None:
                store.count(query)
                store.search(query, limit=200)

            figures[f"{name}_ms"] = _median_ms(page, rounds)
        return figures
    finally:
        store.close()


def run(quick: bool) -> dict[str, object]:
    from desktop.paths import Profile
    from desktop.store import cipher, start_card

    big = 10_000 if quick else 100_000
    starts = 3 if quick else 7
    rounds = 10 if quick else 30
    results: dict[str, object] = {"complaints": big}
    with tempfile.TemporaryDirectory(prefix="posko-bench-cipher-") as tmp:
        with plain():
            plain_full = make_profile(Path(tmp) / "plain", big)
        encrypted_full = make_profile(Path(tmp) / "encrypted", big)
        assert cipher.is_plain(plain_full / "posko.sqlite3")
        assert not cipher.is_plain(encrypted_full / "posko.sqlite3")
        for root in (plain_full, encrypted_full):  # both start from their start card
            assert start_card.read(Profile(root)) is not None

        bare, before, after, plain_open, encrypted_open = [], [], [], [], []
        for _ in range(starts):
            bare.append(timed_start("startup_bare.py")[0])
            before.append(_plain_desk(plain_full)[0])
            after.append(timed_desk(encrypted_full)[0])
            plain_open.append(_plain_desk(plain_full, "open")[0])
            encrypted_open.append(_desk_open(encrypted_full)[0])
        b, p, e, po, eo = (
            statistics.median(x) for x in (bare, before, after, plain_open, encrypted_open)
        )
        results["startup"] = {
            "bare_ms": round(b * 1000),
            "plain_ms": round(p * 1000),
            "encrypted_ms": round(e * 1000),
            "ratio_to_plain": round(e / p, 2),
            "ratio_to_bare": round(e / b, 2),
            "goal": "ratio_to_bare <= 1.5",
            # Then the key (the keyring) and the database, the list filled in: what the
            # window shown first does not wait for.
            "plain_open_ms": round(po * 1000),
            "encrypted_open_ms": round(eo * 1000),
            "open_ratio_to_plain": round(eo / po, 2),
        }

        with plain():
            saved_plain = save_and_receipt(plain_full, rounds)
        saved = save_and_receipt(encrypted_full, rounds)
        results["save_and_receipt"] = {
            "plain_median_ms": round(statistics.median(saved_plain), 1),
            "encrypted_median_ms": round(statistics.median(saved), 1),
            "ratio": round(statistics.median(saved) / statistics.median(saved_plain), 2),
            "goal": "median <= 50 ms",
        }

        with plain():
            search_plain = _searches(plain_full, rounds)
        search = _searches(encrypted_full, rounds)
        results["list_search"] = {
            name: {
                "plain_ms": search_plain[name],
                "encrypted_ms": search[name],
                "ratio": round(search[name] / search_plain[name], 2),
            }
            for name in search
        }
    return results
