"""Modelled time for the emulator.

Everything the emulator models over time (an Aurora failover, an ECS rollout, a Global
Accelerator deployment, Step Functions Wait states and Retry intervals) reads one clock,
``world.clock``, in *modelled seconds*. ``clock.time_scale`` is the real seconds a modelled
second of a wait takes (0: none).

* :class:`ManualClock` starts at 0 and only moves when something advances it: a test
  (``clock.advance(30)``), or a Step Functions Wait state / Retry interval (through
  :mod:`emulator.services.sfn_time`). Nothing depends on the wall clock, so tests are
  deterministic.
* :class:`ModelledClock` moves only by modelled waits too, but paces them for people: what
  the local drill uses.
* :class:`ScaledClock` runs by itself: ``now() = start + real_elapsed / time_scale``. With
  ``time_scale=0.01`` one modelled minute takes 0.6 real seconds.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "ModelledClock", "ScaledClock", "make_clock", "next_multiple"]


@runtime_checkable
class Clock(Protocol):
    """What the emulator needs from a clock."""

    time_scale: float

    def now(self) -> float:
        """Modelled seconds since the clock started."""
        ...

    def advance(self, seconds: float) -> None:
        """Move modelled time forward without waiting."""
        ...

    def sleep(self, seconds: float, interrupt: threading.Event | None = None) -> None:
        """Let ``seconds`` of modelled time pass (a Wait state, a Retry interval)."""
        ...


def make_clock(clock: Clock | None, time_scale: float) -> Clock:
    """``clock``, or the default for ``time_scale``: a ScaledClock when it is above 0, else a
    ManualClock. A given clock carries its own time_scale; a different one is an error."""
    if time_scale < 0:
        raise ValueError("time_scale must be >= 0")
    if clock is None:
        return ScaledClock(time_scale) if time_scale > 0 else ManualClock()
    if time_scale and time_scale != clock.time_scale:
        name = type(clock).__name__
        raise ValueError(f"a {name} carries its own time_scale ({clock.time_scale}); they differ")
    return clock


def next_multiple(now: float, every: float) -> float:
    """The first multiple of ``every`` after ``now`` (when a periodic job is next due)."""
    return (math.floor(now / every) + 1) * every


def _check_seconds(seconds: float) -> float:
    value = float(seconds)
    if value < 0 or value != value:  # negative or NaN
        raise ValueError(f"seconds must be a non-negative number, got {seconds!r}")
    return value


class _SteppedClock:
    """Discrete modelled time that moves only when advanced."""

    time_scale = 0.0

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

    def advance_to(self, moment: float) -> None:
        """Move the clock to ``moment`` unless it is already past it."""
        with self._lock:
            self._now = max(self._now, float(moment))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(time_scale={self.time_scale}, now={self.now():.3f})"


class ManualClock(_SteppedClock):
    """A clock that moves only when advanced. Starts at ``start`` (default 0).

    A modelled wait costs no real time: the clock jumps."""

    def sleep(self, seconds: float, interrupt: threading.Event | None = None) -> None:
        self.advance(seconds)


class ModelledClock(_SteppedClock):
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
        super().__init__(start)
        self.time_scale = float(time_scale)

    def sleep(self, seconds: float, interrupt: threading.Event | None = None) -> None:
        step = _check_seconds(seconds)
        target = self.now() + step
        if _real_wait(step * self.time_scale, interrupt):
            return
        self.advance_to(target)


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
        _real_wait(_check_seconds(seconds) * self.time_scale, interrupt)

    def __repr__(self) -> str:
        return f"ScaledClock(time_scale={self.time_scale}, now={self.now():.3f})"


def _real_wait(seconds: float, interrupt: threading.Event | None) -> bool:
    """Really wait ``seconds`` (or until ``interrupt`` is set: then True)."""
    if seconds <= 0:
        return False
    if interrupt is not None:
        return interrupt.wait(seconds)
    time.sleep(seconds)
    return False
