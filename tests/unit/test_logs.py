"""The rotating log file: bounded in size and count, nothing written is lost to rotation."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

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
    desk = logging.getLogger("posko")
    try:
        logging.getLogger("posko.test").info("halo")
        assert path.read_text(encoding="utf-8").count("posko.test: halo") == 1
    finally:
        for handler in list(desk.handlers):
            desk.removeHandler(handler)
            handler.close()


def test_a_log_that_cannot_rotate_never_breaks_the_caller(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    handler = RotatingLog(folder / "posko.log", max_bytes=10, backups=1)
    logger = logging.getLogger("posko.test.broken")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        (folder / "posko.log").unlink()
        folder.rmdir()  # the profile's log folder is gone: rotating fails
        logger.warning("a line long enough to rotate")  # must not raise
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert "posko.log" in capsys.readouterr().err  # reported as logging does
    with pytest.raises(ValueError):
        RotatingLog(tmp_path / "x.log", max_bytes=0)
