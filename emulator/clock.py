"""Modelled time for the emulator.

Everything the emulator models over time (an Aurora failover, an ECS rollout, a Global
Accelerator deployment, Step Functions Wait states and Retry intervals) reads one clock,
``emu.clock``, in *modelled seconds*.

* :class:`ManualClock` starts at 0 and only moves when something advances it: a test
  (``clock.advance(30)``), or a Step Functions Wait state / Retry interval (through
  :mod:`emulator.sfn_time`). Nothing depends on the wall clock, so tests are deterministic.
* :class:`ScaledClock` runs by itself: ``now() = start + real_elapsed / time_scale``. With
  ``time_scale=0.01`` one modelled minute takes 0.6 real seconds. A Wait state of N modelled
  seconds really sleeps ``N * time_scale`` seconds, and the clock moves by N through the real
  elapsed time. This is what the local drill uses.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "ModelledClock", "ScaledClock"]


@runtime_checkable
class Clock(Protocol):
    """What the emulator needs from a clock."""

    def now(self) -> float:
        """Modelled seconds since the clock started."""
        ...

    def advance(self, seconds: float) -> None:
        """Move modelled time forward without waiting."""
        ...

    def sleep(self, seconds: float, interrupt: threading.Event | None = None) -> None:
        """Let ``seconds`` of modelled time pass (a Wait state, a Retry interval)."""
        ...


def _check_seconds(seconds: float) -> float:
    value = float(seconds)
    if value < 0 or value != value:  # negative or NaN
        raise ValueError(f"seconds must be a non-negative number, got {seconds!r}")
    return value


class ManualClock:
    """A clock that moves only when advanced. Starts at ``start`` (default 0)."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        step = _check_seconds(seconds)
        with self._lock:
            self._now += step

    def sleep(self, seconds: float, interrupt: threading.Event | None = None) -> None:
        # Modelled waits cost no real time: the clock jumps.
        self.advance(seconds)

    def __repr__(self) -> str:
        return f"ManualClock(now={self.now():.3f})"


class ScaledClock:
    """A clock that runs at ``1 / time_scale`` times real speed.

    ``now() = start + skipped + (monotonic() - t0) / time_scale``. ``advance`` skips ahead
    (adds to ``skipped``); ``sleep`` really sleeps ``seconds * time_scale``.
    """

    def __init__(self, time_scale: float, start: float = 0.0) -> None:
        if not time_scale > 0:
            raise ValueError("ScaledClock needs time_scale > 0 (use ManualClock for 0)")
        self.time_scale = float(time_scale)
        self._start = float(start)
        self._skipped = 0.0
        self._t0 = time.monotonic()
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            skipped = self._skipped
        return self._start + skipped + (time.monotonic() - self._t0) / self.time_scale

    def advance(self, seconds: float) -> None:
        step = _check_seconds(seconds)
        with self._lock:
            self._skipped += step

    def sleep(self, seconds: float, interrupt: threading.Event | None = None) -> None:
        real = _check_seconds(seconds) * self.time_scale
        if real <= 0:
            return
        if interrupt is not None:
            interrupt.wait(real)
        else:
            time.sleep(real)

    def __repr__(self) -> str:
        return f"ScaledClock(time_scale={self.time_scale}, now={self.now():.3f})"


class ModelledClock:
    """Discrete modelled time, paced for people: what the local drill runs on.

    Only modelled waits move it (a Wait state, a Retry interval, an AWS operation's latency,
    the drill's driver while nothing runs): compute the emulator itself spends (moto, the
    in-process handlers) costs no modelled time, so the timeline is what AWS would take, not
    what this machine took. ``sleep(n)`` really waits ``n * time_scale`` seconds for pacing,
    then moves the clock to *its own target* (the time when the wait began + ``n``), never
    back. Two Parallel branches that wait at once therefore end at the later of their two
    targets, not at the sum.
    """

    def __init__(self, time_scale: float = 0.0, start: float = 0.0) -> None:
        if time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        self.time_scale = float(time_scale)
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        step = _check_seconds(seconds)
        with self._lock:
            self._now += step

    def advance_to(self, moment: float) -> None:
        """Move the clock to ``moment`` unless it is already past it."""
        with self._lock:
            self._now = max(self._now, float(moment))

    def sleep(self, seconds: float, interrupt: threading.Event | None = None) -> None:
        step = _check_seconds(seconds)
        target = self.now() + step
        real = step * self.time_scale
        if real > 0:
            if interrupt is not None:
                if interrupt.wait(real):
                    return
            else:
                time.sleep(real)
        self.advance_to(target)

    def __repr__(self) -> str:
        return f"ModelledClock(time_scale={self.time_scale}, now={self.now():.3f})"
