"""A link-shaping TCP proxy on 127.0.0.1 for the field benchmark: each direction is a link
of its own with a fixed bandwidth and a one-way delay (half the round trip), as a mobile
link at a roadside post. Bytes queue behind each other on the link (serialisation at the
link's rate), then arrive after the delay; the two directions never share bandwidth.

    proxy = ShapingProxy(upstream_port, bits_per_second=256_000, round_trip=0.3)
    proxy.start()            # its own thread and asyncio loop
    ... connect to 127.0.0.1:proxy.port ...
    proxy.stop()

``up_bytes`` and ``down_bytes`` count what crossed each way (headers and bodies: the
physical load). Connections are accepted at once; the first bytes then wait their turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time


class _Link:
    """One direction: a FIFO at ``rate`` bytes a second, then ``delay`` seconds of flight."""

    def __init__(self, rate: float, delay: float) -> None:
        self.rate = rate
        self.delay = delay
        self.free_at = 0.0  # when the link has sent everything queued so far
        self.bytes = 0

    def schedule(self, size: int) -> float:
        """The moment the last of ``size`` bytes queued now arrives at the other end."""
        now = time.monotonic()
        self.free_at = max(self.free_at, now) + size / self.rate
        self.bytes += size
        return self.free_at + self.delay


class ShapingProxy:
    def __init__(
        self,
        upstream_port: int,
        *,
        bits_per_second: float = 256_000,
        round_trip: float = 0.3,
        chunk: int = 4096,
    ) -> None:
        self.upstream_port = upstream_port
        self.up = _Link(bits_per_second / 8, round_trip / 2)
        self.down = _Link(bits_per_second / 8, round_trip / 2)
        self.chunk = chunk
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def up_bytes(self) -> int:
        return self.up.bytes

    @property
    def down_bytes(self) -> int:
        return self.down.bytes

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the shaping proxy did not start")

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._server = loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        try:
            await asyncio.gather(
                self._pipe(reader, up_writer, self.up),
                self._pipe(up_reader, writer, self.down),
            )
        except asyncio.CancelledError:  # stop(): the connections just close
            for end in (writer, up_writer):
                end.close()

    async def _pipe(
        self, source: asyncio.StreamReader, target: asyncio.StreamWriter, link: _Link
    ) -> None:
        """Read as bytes come, deliver each chunk when the shaped link would."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                at, data = await queue.get()
                if not data:
                    break
                wait = at - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                target.write(data)
                await target.drain()
            with contextlib.suppress(OSError):
                target.close()

        sender = asyncio.ensure_future(deliver())
        try:  # cancelled on stop(), with ``sender``
            while data := await source.read(self.chunk):
                queue.put_nowait((link.schedule(len(data)), data))
        except (OSError, asyncio.IncompleteReadError):
            pass
        queue.put_nowait((time.monotonic(), b""))
        with contextlib.suppress(OSError, ConnectionError):
            await sender


__all__ = ["ShapingProxy"]
