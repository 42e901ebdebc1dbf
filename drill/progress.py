"""Live progress: one line per stage start/finish, a live status line on a terminal."""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from failover.history import Span


class Progress:
    """Prints what happens as it happens.

    On a terminal, finished stages scroll by and one status line at the bottom shows what is
    running now and the modelled clock. Elsewhere (CI logs, pipes), plain lines only.
    """

    def __init__(self, stream: TextIO | None = None, *, live: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self._lock = threading.Lock()
        self._running: dict[str, float] = {}
        self._status = ""
        self.t0_offset = 0.0  # modelled seconds of the run's t0 on the clock passed to stages

    def line(self, text: str) -> None:
        with self._lock:
            self._clear_status()
            print(text, file=self.stream, flush=True)
            self._draw_status()

    def section(self, title: str) -> None:
        self.line("")
        self.line(f"== {title}")

    def event(self, at: float, text: str) -> None:
        self.line(f"  [{0.0 if round(at, 1) == 0 else at:7.1f} s] {text}")

    def stage(self, what: str, span: Span, at: float, seconds: float | None = None) -> None:
        label = f"{span.branch} / {span.stage}" if span.branch else span.stage
        if what == "started":
            self._running[label] = at
            self.event(at, f"> {label} started")
        else:
            self._running.pop(label, None)
            mark = "FAILED" if span.failed else "done"
            took = f" in {seconds:.1f} s" if seconds is not None else ""
            self.event(at, f"  {label} {mark}{took}")

    def status(self, text: str) -> None:
        if not self.live:
            return
        with self._lock:
            self._clear_status()
            running = ", ".join(self._running) or "-"
            self._status = f"  ... {text} | running: {running}"[:120]
            self._draw_status()

    def close(self) -> None:
        with self._lock:
            self._clear_status()
            self._status = ""

    def _clear_status(self) -> None:
        if self.live and self._status:
            self.stream.write("\r\033[2K")
            self.stream.flush()

    def _draw_status(self) -> None:
        if self.live and self._status:
            self.stream.write(self._status)
            self.stream.flush()
