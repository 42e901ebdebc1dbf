"""Live progress: what happens as it happens, each thing once.

Milestones (an outage injected, an alarm, a rule starting a run) are printed as they happen,
in order. Stages are not printed line by line: the report at the end lists each stage once,
with its times. While stages run, a terminal shows one status line (what runs, the clock);
:meth:`Progress.heartbeat` prints a line now and then while a long stage runs (the live
drill's one-to-two-minute Act), so a log never looks stuck. A stage that fails is printed at
once. Lines name the run they belong to when several are followed (``label``).
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from failover.history import Span


HEARTBEAT_SECONDS = 15.0
"""How often :meth:`Progress.heartbeat` prints while a stage runs (seconds on the run's clock)."""


class Progress:
    """Prints what happens as it happens.

    On a terminal, one status line at the bottom shows what is running now and the clock.
    Elsewhere (CI logs, pipes), plain lines only.
    """

    def __init__(self, stream: TextIO | None = None, *, live: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self._lock = threading.Lock()
        self._running: dict[str, float] = {}
        self._status = ""
        self._heartbeat_at = 0.0
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

    def stage(
        self, what: str, span: Span, at: float, seconds: float | None = None, label: str = ""
    ) -> None:
        """A stage started or finished (shown on the status line; a failure is printed)."""
        name = f"{span.branch} / {span.stage}" if span.branch else span.stage
        key = f"{label}: {name}" if label else name
        if what == "started":
            self._running[key] = at
            self._heartbeat_at = max(self._heartbeat_at, at)
        else:
            self._running.pop(key, None)
            if span.failed:
                took = f" after {seconds:.1f} s" if seconds is not None else ""
                self.event(at, f"{key} FAILED{took}")
        self.status(f"t+{at:.0f} s")

    def heartbeat(self, at: float) -> None:
        """While a stage runs, a line every :data:`HEARTBEAT_SECONDS`: what runs, for how long."""
        if not self._running or at - self._heartbeat_at < HEARTBEAT_SECONDS:
            return
        self._heartbeat_at = at
        running = ", ".join(f"{key} ({at - since:.0f} s)" for key, since in self._running.items())
        self.event(at, f"... still running: {running}")

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
