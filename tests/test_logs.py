"""The rotating log file: bounded in size and count, nothing written is lost to rotation."""

from __future__ import annotations

import logging
from pathlib import Path

from desktop.logs import RotatingLog, configure


def test_rotates_past_the_size_and_keeps_the_newest_backups(tmp_path: Path) -> None:
    path = tmp_path / "posko.log"
    handler = RotatingLog(path, max_bytes=200, backups=2)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("posko.test.rotation")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        for n in range(40):
            logger.warning("line %02d %s", n, "x" * 20)  # 29 bytes a line
    finally:
        logger.removeHandler(handler)
        handler.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["posko.log", "posko.log.1", "posko.log.2"]
    assert all(p.stat().st_size <= 200 + 29 for p in tmp_path.iterdir())
    newest = path.read_text(encoding="utf-8").splitlines()
    previous = (tmp_path / "posko.log.1").read_text(encoding="utf-8").splitlines()
    older = (tmp_path / "posko.log.2").read_text(encoding="utf-8").splitlines()
    kept = older + previous + newest
    numbers = [int(line.split()[1]) for line in kept]
    assert numbers == list(range(numbers[0], 40))  # consecutive, up to the last line
    assert len(numbers) > 14


def test_configure_writes_the_desk_log_once(tmp_path: Path) -> None:
    path = configure(tmp_path)
    configure(tmp_path)  # reconfiguring replaces, never doubles, the handler
    logging.getLogger("posko.test").info("halo")
    for handler in logging.getLogger("posko").handlers:
        handler.flush()
    assert path.read_text(encoding="utf-8").count("posko.test: halo") == 1
