"""A long call-history pass lists its pages in a process of its own.

Fetching a page, decoding its JSON and turning its calls into rows ready for the database is Python work, and so is
much of writing them. In one process the two take turns for the interpreter lock: a fetching thread did not help,
as SQLite hands the lock back after every row it writes and the busy thread then holds the writer up. In a second
process they run side by side.

The sync starts `python -m pbx.fetcher` through `Fetcher` and writes the job to its stdin as a pickle: the client's
arguments, key included (never on a command line or in the environment, which other users of the machine can read),
the listing's filter, cursor and page size, and the shop, extensions and row format (`upsert.RowFormat`)
`pbx.call_rows.call_pages` needs. The fetcher does not set Django up: it uses neither models nor a connection (nor
do the pickles that cross), and the app registry and the admin it imports took 75 MB (its peak in a 1M-call first
sync fell from 110 to 78 MB without them). The fetcher
writes frames to its stdout: one a page (the rows ready for the call statement, on PostgreSQL already COPY text that
the sync streams as it is, the local days they fall on, the cursor after the page, the calls listed, and the audit
records of the page's HTTP attempts), then one that ends the listing or carries the eTelecom error that stopped it.
A thread here reads frames ahead, so the fetcher does not wait while the sync writes.
"""

from __future__ import annotations

import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

HEADER = struct.Struct("!I")  # the length of the pickle that follows
ROOT = Path(__file__).resolve().parent.parent  # where `python -m pbx.fetcher` finds the project's packages


class FetcherStopped(RuntimeError):
    """The fetcher process ended without finishing its listing (killed, or failed outside the eTelecom client)."""


class Fetcher:
    """One fetcher process and the thread that reads its frames, up to `depth` ahead. `pages()` yields what
    `call_pages` yields, hands each page's audit records to `on_call` and raises the error that stopped the
    listing; `close()` stops the process, whatever state it is in."""

    def __init__(self, job: dict, *, on_call: Callable, depth: int):
        self.on_call = on_call
        self._frames: queue.Queue = queue.Queue(maxsize=depth)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "pbx.fetcher"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        with suppress(BrokenPipeError), self._process.stdin as stdin:  # a fetcher that died at once: see pages()
            pickle.dump(job, stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self._reader = threading.Thread(target=self._read, daemon=True, name="call-fetcher-reader")
        self._reader.start()

    def _read(self) -> None:
        try:
            while (frame := _read_frame(self._process.stdout)) is not None:
                self._frames.put(frame)
        finally:
            self._frames.put(None)

    def pages(self) -> Iterator[tuple]:
        while True:
            frame = self._frames.get()
            if frame is None:
                raise FetcherStopped(f"the call fetcher stopped (exit status {self._process.wait()})")
            kind, *payload, infos = pickle.loads(frame)
            for info in infos:
                self.on_call(info)
            if kind == "end":
                return
            if kind == "error":
                raise payload[0]
            yield tuple(payload)

    def close(self) -> None:
        self._process.kill()
        while self._reader.is_alive():  # let the reader see the end of the pipe, even if the queue was full
            with suppress(queue.Empty):
                self._frames.get(timeout=0.1)
        self._process.wait()
        self._process.stdout.close()


def _read_frame(stream) -> bytes | None:
    """The next frame, or None at the end of the pipe (or of a frame cut off: the process died while writing it)."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    frame = stream.read(size)
    return frame if len(frame) == size else None


def _ahead(pages: Iterator, depth: int) -> Iterator:
    """`pages` read in a thread, up to `depth` ahead, so the next page is asked for while this one becomes rows;
    an error there is raised here."""
    box: queue.Queue = queue.Queue(maxsize=depth)
    end = object()

    def read() -> None:
        try:
            for page in pages:
                box.put((page, None))
            box.put((end, None))
        except BaseException as exc:  # handed to the consumer, which raises it
            box.put((None, exc))

    threading.Thread(target=read, daemon=True, name="call-page-read").start()
    while True:
        page, error = box.get()
        if error is not None:
            raise error
        if page is end:
            return
        yield page


def main() -> None:
    """The fetcher process: the job on stdin, frames on stdout (anything else printed goes to stderr)."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "etelecom_console.settings")  # the local zone (`call_rows`)
    from etelecom import EtelecomError
    from etelecom import pbx as pbx_api
    from etelecom.client import Client
    from pbx.call_rows import call_pages

    job = pickle.load(sys.stdin.buffer)
    infos: list = []

    def send(*frame) -> None:
        # The read-ahead thread appends the next pages' records meanwhile: take only those there now.
        taken = len(infos)
        data = pickle.dumps((*frame, infos[:taken]), protocol=pickle.HIGHEST_PROTOCOL)
        del infos[:taken]
        out.write(HEADER.pack(len(data)))
        out.write(data)
        out.flush()

    client = Client(**job["client"], on_call=infos.append)
    listing = pbx_api.iter_call_log_pages(client, filter=job["query"], after=job["after"], limit=job["limit"])
    try:
        for page in call_pages(_ahead(listing, 2), shop_id=job["shop_id"], lines=job["lines"], format=job["format"]):
            send("page", *page)
    except EtelecomError as exc:
        send("error", exc)
    else:
        send("end")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # the sync stopped reading: it has gone, or given up on this pass
        os._exit(1)
