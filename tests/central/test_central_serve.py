"""``posko-central`` as a shell uses it: ``serve`` on a port it cannot have, and a listing
piped into ``head``. Real processes, real sockets, a real pipe."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from central.db import open_database
from central.store import CentralStore
from tests.central_support import (
    complaint_record,
    enroll,
    free_port,
    run_central,
    start_server,
    stop_process,
)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_busy_port_is_a_sentence_in_the_operators_language(tmp_path: Path, workers: str) -> None:
    database = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = str(holder.getsockname()[1])
        serve = ("serve", "--host", "127.0.0.1", "--port", port, "--workers", workers)
        busy = run_central("--database-url", database, *serve)
        english = run_central("--lang", "en", "--database-url", database, *serve)
    assert busy.returncode == 1 and english.returncode == 1
    for answer in (busy, english):
        assert "Traceback" not in answer.stderr and "Errno" not in answer.stderr
        # It never claimed to serve.
        assert "Melayani di" not in answer.stdout and "Serving on" not in answer.stdout
    assert f"Port {port} di 127.0.0.1 sudah dipakai program lain" in busy.stderr
    assert "pilih port lain dengan --port" in busy.stderr
    assert f"Port {port} on 127.0.0.1 is already in use by another program" in english.stderr
    assert "choose another port with --port" in english.stderr


def test_an_address_this_machine_lacks_is_a_sentence(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    answer = run_central(
        "--lang", "en", "--database-url", database,
        "serve", "--host", "192.0.2.1", "--port", str(free_port()),
    )  # fmt: skip
    assert answer.returncode == 1 and "Traceback" not in answer.stderr
    assert "192.0.2.1 is not an address of this machine" in answer.stderr
    assert "Serving on" not in answer.stdout


def test_it_says_it_serves_once_it_listens(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    log = tmp_path / "server.log"
    process, url = start_server(database, log, "--workers", "2")
    try:
        text = log.read_text(encoding="utf-8")
        assert f"Melayani di {url}" in text
    finally:
        stop_process(process)


def _piped_into_head(*args: str) -> tuple[subprocess.CompletedProcess[bytes], bytes]:
    """``posko-central ARGS | head -1`` as a shell runs it: the listing's exit status and
    stderr, and what ``head`` printed."""
    central = subprocess.Popen(
        [sys.executable, "-m", "central.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert central.stdout is not None and central.stderr is not None
    head = subprocess.Popen(["head", "-1"], stdin=central.stdout, stdout=subprocess.PIPE)
    central.stdout.close()  # head alone reads the pipe: when it exits, the pipe breaks
    shown, _nothing = head.communicate(timeout=120)
    stderr = central.stderr.read()
    central.stderr.close()
    code = central.wait(timeout=120)
    return subprocess.CompletedProcess(central.args, code, b"", stderr), shown


def test_a_listing_piped_into_head_ends_quietly(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    store = CentralStore(open_database(database))
    try:
        _token, device = enroll(store)
        records = [complaint_record(device.tracking_prefix, n) for n in range(1, 501)]
        for start in range(0, len(records), 100):
            store.push(device, records[start : start + 100])
    finally:
        store.close()
    full = run_central("--database-url", database, "due", "--json", "--limit", "500")
    assert full.returncode == 0 and full.stderr == ""
    assert len(json.loads(full.stdout)["items"]) == 500
    assert len(full.stdout) > 128 * 1024  # twice what a pipe holds (64 KiB on Linux)
    answer, shown = _piped_into_head("--database-url", database, *listing_of(500, json_=True))
    assert shown == b"{\n"
    assert answer.stderr == b"", answer.stderr.decode(errors="replace")
    assert answer.returncode == 141  # what a shell reports for any listing its reader left
    # The table may fit in the pipe before head leaves (then it ends as usual), or not.
    answer, shown = _piped_into_head("--database-url", database, *listing_of(500))
    assert shown.startswith(b"Terlambat: 0.")
    assert answer.stderr == b"", answer.stderr.decode(errors="replace")
    assert answer.returncode in (0, 141)


def listing_of(limit: int, *, json_: bool = False) -> tuple[str, ...]:
    return ("due", "--limit", str(limit), *(("--json",) if json_ else ()))
