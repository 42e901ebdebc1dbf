"""Modelled time: one virtual clock, advanced as a discrete-event simulation.

Everything the emulator models over time (an Aurora failover, an ECS rollout, a Lambda
invocation, an AWS API call's latency, a Step Functions Wait state, Retry interval, state or
execution timeout) reads one :class:`VirtualClock`, in *modelled seconds*.

The rules
---------
* **Actors.** A thread that takes part in modelled time is an *actor*: the threads of moto's
  Step Functions interpreter, every Lambda invocation, the world actor (``World.start_world``),
  a late-landing API call. An actor is *runnable* while it runs Python code or blocks on a
  real primitive, and *idle* while it waits in a virtual wait: :meth:`VirtualClock.sleep`, a
  :class:`VirtualEvent` wait, an :class:`ActorThread` join, a :class:`VirtualLock` acquire.
  Start one with :class:`ActorThread` (``start()`` counts it runnable at once, on its behalf).
* **Time advances only when no actor is runnable** (and nobody holds time): it then jumps to
  the earliest pending deadline (a sleep's end, a timed wait's timeout, an external
  ``advance`` target) and wakes what is due there, in deadline order. What the compute of the
  emulator costs (moto, the handlers' Python) is never modelled time.
* **Hand-off.** Whoever wakes an idle actor (an event set, a thread that ends and so releases
  its joiners, a lock released, a due timer) counts it runnable on its behalf, before it
  runs, so time never advances between a wake-up and the woken thread running.
* **Pacing.** With ``time_scale > 0`` each jump of ``d`` modelled seconds first waits ``d *
  time_scale`` real seconds. A new runnable actor, a hold or an earlier deadline interrupts
  the wait; the modelled time that had passed until then is kept, then the jump is recomputed.
  ``now()`` moves smoothly while a paced wait runs. Pacing changes real time only: the
  sequence of modelled events is the same at every time scale.
* **External code** (tests, the drill's main thread) is not an actor. It can read ``now()``,
  start executions, hold time (:meth:`VirtualClock.held`: time stands still, actors still
  run) and let it pass (:meth:`VirtualClock.advance`: run the world until ``now() + seconds``
  and until every actor is idle again, then return, with the caller's holds back in place).
  With a periodic actor running (the world actor), external code must hold time between
  advances: at ``time_scale == 0`` unheld time runs as fast as the CPU allows.

What must never happen
----------------------
* An actor must never wait, in a *real* primitive, for something only an idle actor can
  provide (a ``threading.Lock`` held across a virtual wait, a real ``Event`` another actor
  sets after a virtual sleep): it stays runnable, so time cannot advance, and the world stops.
  Use :class:`VirtualLock` and :class:`VirtualEvent` for that. Real locks held briefly (never
  across a virtual wait) are fine.
* An actor that never goes idle (a busy loop) freezes modelled time: ``advance`` then never
  returns.
* Waiting on something that never comes does not deadlock the world: a wait with a timeout
  ends at its virtual deadline (the time jumps there once nothing else runs); a wait without
  one stays idle and costs nothing, and time goes on around it.

After :meth:`VirtualClock.close` (the emulator's uninstall) time stands still for good:
actors still idle stay idle (daemon threads, nothing more of theirs runs).

Shims
-----
:func:`threading_shim` is a stand-in ``threading`` module whose ``Thread`` is an
:class:`ActorThread` and ``Event`` a :class:`VirtualEvent` (the emulator gives it to moto's
interpreter modules). :data:`MODELLED_TIME` / :data:`MODELLED_DATETIME` are ``time`` /
``datetime`` modules that always read the clock; :data:`ACTOR_TIME` / :data:`ACTOR_DATETIME`
read it on actor threads only (the real clock elsewhere), for Lambda handler packages.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
import heapq
import itertools
import logging
import math
import threading
import time as _time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

__all__ = [
    "ACTOR_DATETIME",
    "ACTOR_TIME",
    "MODELLED_DATETIME",
    "MODELLED_TIME",
    "ActorThread",
    "Clock",
    "VirtualClock",
    "VirtualEvent",
    "VirtualLock",
    "activate",
    "active_clock",
    "is_actor",
    "next_multiple",
    "threading_shim",
]

LOG = logging.getLogger(__name__)

_STATE = threading.local()  # .clock: the clock this thread is an actor of; .holds: {id: n}
_ACTIVE: VirtualClock | None = None


def activate(clock: VirtualClock | None) -> None:
    """Make ``clock`` the one the shims and new virtual primitives use (None: real time)."""
    global _ACTIVE
    _ACTIVE = clock


def active_clock() -> VirtualClock | None:
    return _ACTIVE


def is_actor() -> bool:
    """Whether the calling thread is an actor of the active clock."""
    clock = _ACTIVE
    return clock is not None and clock.is_actor()


def next_multiple(now: float, every: float) -> float:
    """The first multiple of ``every`` after ``now`` (when a periodic job is next due)."""
    return (math.floor(now / every) + 1) * every


def _check_seconds(seconds: float) -> float:
    value = float(seconds)
    if value < 0 or value != value:  # negative or NaN
        raise ValueError(f"seconds must be a non-negative number, got {seconds!r}")
    return value


class _Waiter:
    """One thread blocked in a virtual wait (all fields guarded by the clock's lock)."""

    __slots__ = ("actor", "cond", "entry", "reason", "rehold", "woken")

    def __init__(self, lock: threading.Lock, actor: bool) -> None:
        self.cond = threading.Condition(lock)
        self.actor = actor
        self.woken = False
        self.reason = ""
        self.entry: _Entry | None = None
        self.rehold = 0  # an external advance: the caller's holds, put back when it fires


class _Entry:
    __slots__ = ("cancelled", "waiter")

    def __init__(self, waiter: _Waiter) -> None:
        self.waiter = waiter
        self.cancelled = False


# Timers at one instant: actors' deadlines (tier 0) before external advance targets (tier 1),
# so an ``advance`` returns only once the actors due at its target have run and gone idle.
_ACTOR_TIER, _EXTERNAL_TIER = 0, 1


class VirtualClock:
    """The one clock of the modelled world. See the module docstring for its rules."""

    def __init__(
        self, time_scale: float = 0.0, start: float = 0.0, epoch: _dt.datetime | None = None
    ) -> None:
        if not time_scale >= 0 or math.isinf(time_scale):
            raise ValueError("time_scale must be a finite number >= 0")
        self.time_scale = float(time_scale)
        #: Modelled wall-clock time at ``now() == 0``.
        self.epoch = epoch or _dt.datetime.now(_dt.UTC)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # the scheduler waits on it
        self._now = float(start)
        self._runnable = 0
        self._holds = 0
        self._timers: list[tuple[float, int, int, _Entry]] = []
        self._seq = itertools.count()
        self._pacing: tuple[float, float, float] | None = None  # (real start, from, target)
        self._scheduler: threading.Thread | None = None
        self._closed = False
        self._monotonic_base = _time.monotonic()

    def __repr__(self) -> str:
        return (
            f"VirtualClock(time_scale={self.time_scale}, now={self.now():.3f}, "
            f"runnable={self._runnable}, holds={self._holds}, timers={len(self._timers)})"
        )

    # ------------------------------------------------------------------------- reading

    def now(self) -> float:
        """Modelled seconds since the clock started."""
        with self._lock:
            return self._virtual_now()

    def utcnow(self) -> _dt.datetime:
        """The modelled wall-clock time (UTC, timezone-aware)."""
        return self.epoch + _dt.timedelta(seconds=self.now())

    def monotonic(self) -> float:
        """A monotonic reading in modelled seconds (for ``time.monotonic`` shims)."""
        return self._monotonic_base + self.now()

    def is_actor(self) -> bool:
        """Whether the calling thread is one of this clock's actors."""
        return getattr(_STATE, "clock", None) is self

    @property
    def idle(self) -> bool:
        """No actor is runnable (a snapshot, for tests and diagnostics)."""
        with self._lock:
            return self._runnable == 0

    # -------------------------------------------------------------------- modelled waits

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` of modelled time pass for the caller.

        On an actor: an idle wait until ``now() + seconds``. Elsewhere: :meth:`advance`."""
        step = _check_seconds(seconds)
        if not self.is_actor():
            self.advance(step)
            return
        if step == 0:
            return
        with self._lock:
            if self._closed:
                self._freeze()
            self._block(_Waiter(self._lock, actor=True), self._virtual_now() + step)

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of modelled time pass, with everything due meanwhile happening.

        External code: returns once ``now()`` reached the target and no actor is runnable;
        the caller's holds are lifted meanwhile and back in place on return (time stands still
        at the target). ``advance(0)`` waits until the world is idle. On an actor it is
        :meth:`sleep`."""
        step = _check_seconds(seconds)
        if self.is_actor():
            self.sleep(step)
            return
        with self._lock:
            if self._closed:
                raise RuntimeError("the clock is closed")
            holds = _thread_holds()
            waiter = _Waiter(self._lock, actor=False)
            waiter.rehold = holds.get(id(self), 0)
            self._holds -= waiter.rehold
            entry = _Entry(waiter)
            waiter.entry = entry
            self._push(self._virtual_now() + step, _EXTERNAL_TIER, entry)
            while not waiter.woken:
                waiter.cond.wait()

    def advance_to(self, moment: float) -> None:
        """:meth:`advance` until ``moment`` (nothing when it is already past)."""
        self.advance(max(float(moment) - self.now(), 0.0))

    def run_until(
        self, condition: Callable[[], bool], limit: float, step: float = 1.0, what: str = ""
    ) -> None:
        """External code: advance ``step`` at a time until ``condition()`` holds; TimeoutError
        once ``limit`` modelled seconds passed without it."""
        deadline = self.now() + limit
        while not condition():
            if self.now() >= deadline:
                raise TimeoutError(f"{what or 'condition'}: not within {limit:g} modelled s")
            self.advance(step)

    # ----------------------------------------------------------------------------- holds

    def hold(self) -> None:
        """Stop modelled time from advancing until :meth:`release` (external code)."""
        with self._lock:
            self._commit()
            self._holds += 1
            holds = _thread_holds()
            holds[id(self)] = holds.get(id(self), 0) + 1

    def release(self) -> None:
        with self._lock:
            holds = _thread_holds()
            if holds.get(id(self), 0) <= 0:
                raise RuntimeError("this thread holds no time on this clock")
            holds[id(self)] -= 1
            self._holds -= 1
            self._kick()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """``with clock.held():`` time stands still (actors still run) unless advanced."""
        self.hold()
        try:
            yield
        finally:
            self.release()

    @contextlib.contextmanager
    def paced(self, time_scale: float) -> Iterator[None]:
        """``with clock.paced(0):`` another time scale meanwhile (e.g. an unwatched warm-up)."""
        if not time_scale >= 0 or math.isinf(time_scale):
            raise ValueError("time_scale must be a finite number >= 0")
        with self._lock:
            self._commit()
            previous, self.time_scale = self.time_scale, float(time_scale)
        try:
            yield
        finally:
            with self._lock:
                self._commit()
                self.time_scale = previous
                self._changed.notify()

    # ------------------------------------------------------------------------- lifecycle

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` ended modelled time (the emulated world is being torn down)."""
        return self._closed

    def close(self) -> None:
        """Stop time for good (the scheduler ends; idle actors stay idle)."""
        with self._lock:
            self._closed = True
            self._commit()
            self._changed.notify_all()
            for _, _, _, entry in self._timers:
                waiter = entry.waiter
                if not waiter.actor and not waiter.woken:
                    # an external advance or wait: let its caller go
                    waiter.woken, waiter.reason = True, "closed"
                    waiter.cond.notify()
            self._timers.clear()

    # ------------------------------------------------------------------ actor lifecycle

    def _spawned(self) -> None:
        """A new actor thread is about to start: it is runnable from now on."""
        with self._lock:
            self._make_runnable()

    def _spawn_failed(self) -> None:
        with self._lock:
            self._idle()

    @staticmethod
    def _adopt(clock: VirtualClock | None) -> None:
        _STATE.clock = clock

    def _retire(self, done: VirtualEvent) -> None:
        """The calling actor ends: release its joiners (hand-off), then it is gone."""
        with self._lock:
            done._set_locked()
            self._idle()
        _STATE.clock = None

    # ------------------------------------------------------------------------- internals

    def _virtual_now(self) -> float:
        if self._pacing is None:
            return self._now
        began, base, target = self._pacing
        return min(base + (_time.monotonic() - began) / self.time_scale, target)

    def _commit(self) -> None:
        """Keep the modelled time a paced wait covered so far, and stop pacing."""
        if self._pacing is not None:
            self._now = self._virtual_now()
            self._pacing = None
            self._changed.notify()

    def _make_runnable(self, count: int = 1) -> None:
        self._commit()
        self._runnable += count

    def _idle(self) -> None:
        self._runnable -= 1
        if self._runnable < 0:  # pragma: no cover - a bookkeeping bug, never a user error
            self._runnable = 0
            raise RuntimeError("virtual clock: more idle actors than runnable ones")
        if self._runnable == 0:
            self._kick()

    def _kick(self) -> None:
        if self._scheduler is None and not self._closed:
            self._scheduler = threading.Thread(
                target=self._schedule, name="virtual-clock", daemon=True
            )
            self._scheduler.start()
        self._changed.notify()

    def _push(self, deadline: float, tier: int, entry: _Entry) -> None:
        self._commit()
        heapq.heappush(self._timers, (deadline, tier, next(self._seq), entry))
        self._kick()

    def _waiter(self) -> _Waiter:
        """A waiter for the calling thread (lock held). External code that waits for the
        world (a join, a synchronous invoke) lets time pass meanwhile: its holds are lifted
        and come back, atomically, with the wake-up."""
        waiter = _Waiter(self._lock, actor=self.is_actor())
        if not waiter.actor:
            waiter.rehold = _thread_holds().get(id(self), 0)
            self._holds -= waiter.rehold
            if waiter.rehold:
                self._kick()
        return waiter

    def _block(self, waiter: _Waiter, deadline: float | None) -> str:
        """Wait (lock held) until woken; an actor is idle meanwhile. Returns the reason."""
        if deadline is not None:
            entry = _Entry(waiter)
            waiter.entry = entry
            self._push(deadline, _ACTOR_TIER, entry)
        if waiter.actor:
            self._idle()
        while not waiter.woken:
            waiter.cond.wait()
        return waiter.reason

    def _wake(self, waiter: _Waiter, reason: str) -> bool:
        """Wake one waiter (lock held), counting an actor runnable on its behalf."""
        if waiter.woken:
            return False
        waiter.woken = True
        waiter.reason = reason
        if waiter.entry is not None:
            waiter.entry.cancelled = True
        if waiter.actor:
            self._make_runnable()
        if waiter.rehold:
            self._commit()
            self._holds += waiter.rehold  # an external caller's holds, back with it
        waiter.cond.notify()
        return True

    def _freeze(self) -> None:
        """After close: this thread waits for good (lock held)."""
        waiter = _Waiter(self._lock, actor=False)
        while True:
            waiter.cond.wait()

    def _schedule(self) -> None:
        try:
            self._run_schedule()
        except BaseException:  # a bug here stops modelled time: say so loudly
            LOG.exception("the virtual clock's scheduler failed; modelled time has stopped")
            raise

    def _run_schedule(self) -> None:
        with self._lock:
            while not self._closed:
                while self._timers and self._timers[0][3].cancelled:
                    heapq.heappop(self._timers)
                if self._runnable or self._holds or not self._timers:
                    self._pacing = None
                    self._changed.wait()
                    continue
                deadline = self._timers[0][0]
                if deadline > self._now and self.time_scale > 0:
                    if self._pacing is None or self._pacing[2] != deadline:
                        self._commit()
                        self._pacing = (_time.monotonic(), self._now, deadline)
                    remaining = (deadline - self._virtual_now()) * self.time_scale
                    if remaining > 0:
                        self._changed.wait(remaining)
                        continue
                    self._pacing = None
                self._now = max(self._now, deadline)
                self._fire(self._now)

    def _fire(self, now: float) -> None:
        """Wake what is due at ``now``: the actors first; externals once they are idle."""
        woke_actor = False
        while self._timers and self._timers[0][0] <= now and self._timers[0][1] == _ACTOR_TIER:
            entry = heapq.heappop(self._timers)[3]
            if not entry.cancelled and self._wake(entry.waiter, "timeout"):
                woke_actor = woke_actor or entry.waiter.actor
        if woke_actor:
            return
        while self._timers and self._timers[0][0] <= now:
            entry = heapq.heappop(self._timers)[3]
            if not entry.cancelled:
                self._wake(entry.waiter, "timeout")


#: Anything with the clock's reading interface (for type hints).
Clock = VirtualClock


def _thread_holds() -> dict[int, int]:
    holds: dict[int, int] | None = getattr(_STATE, "holds", None)
    if holds is None:
        holds = _STATE.holds = {}
    return holds


# ------------------------------------------------------------------------ virtual primitives


class VirtualEvent:
    """``threading.Event`` whose waits are idle, virtual-deadline waits of the active clock.

    Created while no clock is active it is a plain ``threading.Event``. ``set()`` wakes every
    waiter (even when ``clear()`` follows at once, as moto's program-state pulse does) and
    ``wait`` then returns True."""

    def __init__(self, clock: VirtualClock | None = None) -> None:
        self._clock = clock or _ACTIVE
        self._flag = False
        self._waiters: list[_Waiter] = []
        self._real = threading.Event() if self._clock is None else None

    def is_set(self) -> bool:
        if self._real is not None:
            return self._real.is_set()
        return self._flag

    isSet = is_set

    def set(self) -> None:
        if self._real is not None:
            self._real.set()
            return
        assert self._clock is not None
        with self._clock._lock:
            self._set_locked()

    def _set_locked(self) -> None:
        assert self._clock is not None
        self._flag = True
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            self._clock._wake(waiter, "set")

    def clear(self) -> None:
        if self._real is not None:
            self._real.clear()
            return
        assert self._clock is not None
        with self._clock._lock:
            self._flag = False

    def wait(self, timeout: float | None = None) -> bool:
        if self._real is not None:
            return self._real.wait(timeout)
        clock = self._clock
        assert clock is not None
        with clock._lock:
            if self._flag:
                return True
            if timeout is not None and timeout <= 0:
                return False
            if clock._closed:
                if clock.is_actor():
                    clock._freeze()  # an actor of a stopped world stays idle for good
                return self._flag
            waiter = clock._waiter()
            self._waiters.append(waiter)
            deadline = None if timeout is None else clock._virtual_now() + float(timeout)
            reason = clock._block(waiter, deadline)
            if reason != "set" and waiter in self._waiters:
                self._waiters.remove(waiter)
            return reason == "set" or self._flag


class VirtualLock:
    """A non-reentrant lock whose waiters are idle (it may be held across virtual waits)."""

    def __init__(self, clock: VirtualClock | None = None) -> None:
        self._clock = clock or _ACTIVE
        self._locked = False
        self._queue: list[_Waiter] = []
        self._real = threading.Lock() if self._clock is None else None

    def acquire(self) -> bool:
        if self._real is not None:
            return self._real.acquire()
        clock = self._clock
        assert clock is not None
        with clock._lock:
            if not self._locked:
                self._locked = True
                return True
            waiter = clock._waiter()
            self._queue.append(waiter)
            clock._block(waiter, None)  # ownership is handed over by release()
            return True

    def release(self) -> None:
        if self._real is not None:
            self._real.release()
            return
        clock = self._clock
        assert clock is not None
        with clock._lock:
            if not self._locked:
                raise RuntimeError("release of an unlocked VirtualLock")
            if self._queue:
                clock._wake(self._queue.pop(0), "lock")
            else:
                self._locked = False

    def __enter__(self) -> VirtualLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class ActorThread(threading.Thread):
    """A thread that is an actor of the active clock (a plain thread when none is active).

    ``start()`` counts it runnable at once; its target runs in a fresh ``contextvars``
    context; ``join(timeout)`` is an idle wait with a virtual deadline."""

    _vclock: VirtualClock | None = None
    _vdone: VirtualEvent | None = None

    def start(self) -> None:
        clock = _ACTIVE
        if clock is None or clock._closed:
            super().start()
            return
        self._vclock = clock
        self._vdone = VirtualEvent(clock)
        clock._spawned()
        try:
            super().start()
        except BaseException:
            clock._spawn_failed()
            raise

    def run(self) -> None:
        clock, done = self._vclock, self._vdone
        if clock is None or done is None:
            super().run()
            return
        VirtualClock._adopt(clock)
        try:
            contextvars.Context().run(super().run)
        finally:
            clock._retire(done)

    def join(self, timeout: float | None = None) -> None:
        done = self._vdone
        if done is None:
            super().join(timeout)
            return
        if done.wait(timeout):
            super().join()  # run() has returned: the thread is gone in a moment


# ---------------------------------------------------------------------------------- shims


class _ThreadingShim(ModuleType):
    """``threading`` for moto's interpreter modules: actor threads and virtual events."""

    Thread = ActorThread

    def __init__(self) -> None:
        super().__init__("threading")

    @staticmethod
    def Event() -> VirtualEvent:
        return VirtualEvent()

    def __getattr__(self, name: str) -> Any:
        return getattr(threading, name)


def threading_shim() -> ModuleType:
    return _ThreadingShim()


def _virtual_here(always: bool) -> VirtualClock | None:
    """The clock to read: the active one (``always``), or only on its actor threads."""
    clock = _ACTIVE
    if clock is None:
        return None
    if always or clock.is_actor():
        return clock
    return None


class _TimeShim(ModuleType):
    """``time`` whose sleep and clocks are modelled (``always``, or on actor threads)."""

    def __init__(self, always: bool) -> None:
        super().__init__("time")
        self._always = always

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)

    def sleep(self, seconds: float) -> None:
        clock = _virtual_here(self._always)
        if clock is None:
            _time.sleep(seconds)
        else:
            clock.sleep(max(float(seconds), 0.0))

    def monotonic(self) -> float:
        clock = _virtual_here(self._always)
        return _time.monotonic() if clock is None else clock.monotonic()

    perf_counter = monotonic

    def monotonic_ns(self) -> int:
        return int(self.monotonic() * 1e9)

    perf_counter_ns = monotonic_ns

    def time(self) -> float:
        clock = _virtual_here(self._always)
        return _time.time() if clock is None else clock.utcnow().timestamp()

    def time_ns(self) -> int:
        return int(self.time() * 1e9)


class _DatetimeMeta(type):
    """``isinstance(x, shim)`` is ``isinstance(x, datetime.datetime)``."""

    def __instancecheck__(cls, instance: object) -> bool:
        return isinstance(instance, _dt.datetime)

    def __subclasscheck__(cls, subclass: type) -> bool:
        return issubclass(subclass, _dt.datetime)


def _make_datetime(always: bool) -> type[_dt.datetime]:
    class VirtualDatetime(_dt.datetime, metaclass=_DatetimeMeta):
        """``datetime.datetime`` whose ``now``/``utcnow``/``today`` read the modelled clock."""

        @classmethod
        def now(cls, tz: _dt.tzinfo | None = None) -> _dt.datetime:  # type: ignore[override]
            clock = _virtual_here(always)
            if clock is None:
                return _dt.datetime.now(tz)
            moment = clock.utcnow()
            return (
                moment.astimezone(tz)
                if tz is not None
                else moment.astimezone().replace(tzinfo=None)
            )

        @classmethod
        def utcnow(cls) -> _dt.datetime:  # type: ignore[override]
            clock = _virtual_here(always)
            if clock is None:
                return _dt.datetime.now(_dt.UTC).replace(tzinfo=None)
            return clock.utcnow().replace(tzinfo=None)

        @classmethod
        def today(cls) -> _dt.datetime:  # type: ignore[override]
            return cls.now()

    VirtualDatetime.__name__ = VirtualDatetime.__qualname__ = "datetime"
    VirtualDatetime.__module__ = "datetime"
    return VirtualDatetime


class _DatetimeShim(ModuleType):
    """The ``datetime`` module with a modelled ``datetime`` class."""

    def __init__(self, datetime_class: type[_dt.datetime]) -> None:
        super().__init__("datetime")
        self.datetime = datetime_class

    def __getattr__(self, name: str) -> Any:
        return getattr(_dt, name)


#: ``datetime.datetime`` / ``time`` reading the modelled clock whenever one is active (moto's
#: interpreter: history timestamps, the context object, stop dates, Retry sleeps).
MODELLED_DATETIME_CLASS = _make_datetime(always=True)
MODELLED_DATETIME: ModuleType = _DatetimeShim(MODELLED_DATETIME_CLASS)
MODELLED_TIME: ModuleType = _TimeShim(always=True)
#: The same, but modelled on actor threads only (Lambda handler packages: the test thread that
#: imports the same modules keeps real time).
ACTOR_DATETIME_CLASS = _make_datetime(always=False)
ACTOR_DATETIME: ModuleType = _DatetimeShim(ACTOR_DATETIME_CLASS)
ACTOR_TIME: ModuleType = _TimeShim(always=False)
