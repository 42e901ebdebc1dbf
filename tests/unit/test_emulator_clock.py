"""The virtual clock (emulator.clock): a discrete-event simulation of modelled time.

No real sleeps beyond a few milliseconds: time jumps whenever no actor is runnable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from emulator.clock import (
    ACTOR_TIME,
    ActorThread,
    VirtualClock,
    VirtualEvent,
    VirtualLock,
    activate,
)


@pytest.fixture
def clock() -> Iterator[VirtualClock]:
    found = VirtualClock()
    activate(found)
    try:
        yield found
    finally:
        found.close()
        activate(None)


def spawn(target: Callable[[], None], name: str = "actor") -> ActorThread:
    thread = ActorThread(target=target, name=name, daemon=True)
    thread.start()
    return thread


def test_time_jumps_to_each_deadline_in_order_when_every_actor_is_idle(
    clock: VirtualClock,
) -> None:
    # given three actors sleeping different modelled durations
    woke: list[tuple[str, float]] = []

    def sleeper(name: str, seconds: float) -> Callable[[], None]:
        def run() -> None:
            clock.sleep(seconds)
            woke.append((name, clock.now()))

        return run

    started = time.monotonic()
    with clock.held():  # external code starting several actors holds time meanwhile
        threads = [spawn(sleeper(n, s)) for n, s in (("long", 3600), ("short", 5), ("mid", 60))]

        # when it waits for them (a join lets the world run)
        for thread in threads:
            thread.join()

    # then each woke at its own deadline, in deadline order, and an hour cost no real time
    assert woke == [("short", 5.0), ("mid", 60.0), ("long", 3600.0)]
    assert clock.now() == 3600.0
    assert time.monotonic() - started < 1


def test_a_wake_up_is_handed_off_before_time_moves_on(clock: VirtualClock) -> None:
    # given an actor waiting for an event that another actor sets after 10 s
    event = VirtualEvent()
    seen: list[float] = []

    def waiter() -> None:
        assert event.wait()
        seen.append(clock.now())
        clock.sleep(1)
        seen.append(clock.now())

    def setter() -> None:
        clock.sleep(10)
        event.set()
        clock.sleep(100)

    with clock.held():
        threads = [spawn(waiter), spawn(setter)]

        # when the world runs
        for thread in threads:
            thread.join()

    # then the waiter ran at 10 s and slept its own second before the setter's 100 s passed
    assert seen == [10.0, 11.0]
    assert clock.now() == 110.0


def test_a_timed_wait_ends_at_its_virtual_deadline_and_an_endless_one_blocks_nothing(
    clock: VirtualClock,
) -> None:
    # given one actor waiting 30 s for an event nobody sets, and one waiting forever
    never = VirtualEvent()
    results: list[tuple[bool, float]] = []
    with clock.held():
        forever = spawn(lambda: results.append((never.wait(), clock.now())))
        timed = spawn(lambda: results.append((never.wait(30), clock.now())))

        # when the world runs for a minute
        clock.advance(60)
        timed.join()

    # then the timed wait timed out at 30 s, time went on around the endless one
    assert results == [(False, 30.0)]
    assert clock.now() == 60.0
    assert forever.is_alive()


def test_a_join_is_an_idle_wait_with_a_virtual_timeout(clock: VirtualClock) -> None:
    # given an actor that joins a worker with a 50 s timeout, the worker needing 80 s
    outcome: list[tuple[bool, float]] = []

    def worker() -> None:
        clock.sleep(80)

    def joiner() -> None:
        thread = spawn(worker, "worker")
        thread.join(timeout=50)
        outcome.append((thread.is_alive(), clock.now()))
        thread.join()
        outcome.append((thread.is_alive(), clock.now()))

    spawn(joiner).join()

    # then the join timed out at 50 s (the worker still running), then ended with it at 80 s
    assert outcome == [(True, 50.0), (False, 80.0)]


def test_held_time_stands_still_while_actors_run_and_advance_returns_when_idle(
    clock: VirtualClock,
) -> None:
    # given external code holding time, and an actor that works a modelled minute
    done = threading.Event()

    def worker() -> None:
        for _ in range(6):
            clock.sleep(10)
        done.set()

    with clock.held():
        spawn(worker)
        time.sleep(0.01)  # real time passes; modelled time must not
        assert clock.now() == 0.0

        # when it lets 25 s pass, then time stands at 25 s, held again
        clock.advance(25)
        assert clock.now() == 25.0
        time.sleep(0.01)
        assert clock.now() == 25.0
        assert not done.is_set()

        # and advancing past the worker's last sleep finishes it, idle, at the target
        clock.advance(100)
        assert clock.now() == 125.0
        assert done.is_set()
        assert clock.idle


def test_a_virtual_lock_held_across_a_sleep_hands_over_to_its_waiter(
    clock: VirtualClock,
) -> None:
    # given two actors taking one lock, the first holding it across a 20 s sleep
    lock = VirtualLock()
    order: list[tuple[str, float]] = []

    def first() -> None:
        with lock:
            order.append(("first", clock.now()))
            clock.sleep(20)

    def second() -> None:
        clock.sleep(1)
        with lock:
            order.append(("second", clock.now()))

    with clock.held():
        threads = [spawn(first), spawn(second)]
        for thread in threads:
            thread.join()

    # then the second got it when the first let go, at 20 s: no deadlock, no lost time
    assert order == [("first", 0.0), ("second", 20.0)]


def test_the_same_world_gives_the_same_modelled_times_at_every_time_scale() -> None:
    def scenario(time_scale: float) -> list[tuple[str, float]]:
        clock = VirtualClock(time_scale=time_scale)
        activate(clock)
        seen: list[tuple[str, float]] = []
        lock = threading.Lock()

        def branch(name: str, steps: list[float]) -> Callable[[], None]:
            def run() -> None:
                for step in steps:
                    clock.sleep(step)
                    with lock:
                        seen.append((name, clock.now()))

            return run

        try:
            with clock.held():
                threads = [
                    spawn(branch("a", [2.5, 7.5, 40])),
                    spawn(branch("b", [10, 10, 10])),
                ]
                for thread in threads:
                    thread.join()
            return sorted(seen)
        finally:
            clock.close()
            activate(None)

    # one modelled minute takes 6 ms of real time at this scale
    started = time.monotonic()
    paced = scenario(0.0001)
    assert time.monotonic() - started >= 0.005
    assert paced == scenario(0.0)
    assert max(at for _, at in paced) == 50.0


def test_pacing_moves_now_smoothly_and_a_new_actor_interrupts_it() -> None:
    # given a paced clock (1 modelled second = 1 ms) with one actor asleep for 1000 s
    clock = VirtualClock(time_scale=0.001)
    activate(clock)
    try:
        spawn(lambda: clock.sleep(1000))
        time.sleep(0.02)  # about 20 modelled seconds pass while it is paced

        # when an actor starts meanwhile, then the time paced so far is kept, no more
        stamps: list[float] = []
        spawn(lambda: stamps.append(clock.now())).join()
        assert 5 < stamps[0] < 1000
        assert clock.now() >= stamps[0]
    finally:
        clock.close()
        activate(None)


def test_modelled_time_shims_read_the_clock_on_actors_only(clock: VirtualClock) -> None:
    # given an actor that sleeps 10 s through the handler-package time shim
    readings: list[float] = []

    def handler() -> None:
        began = ACTOR_TIME.monotonic()
        ACTOR_TIME.sleep(10)
        readings.append(ACTOR_TIME.monotonic() - began)

    started = time.monotonic()
    spawn(handler).join()

    # then it took 10 modelled seconds and no real time; this (external) thread reads real time
    assert readings == [pytest.approx(10.0)]  # a difference of two float clock readings
    assert time.monotonic() - started < 1
    assert abs(ACTOR_TIME.time() - time.time()) < 1


def test_bad_durations_are_refused(clock: VirtualClock) -> None:
    with pytest.raises(ValueError, match="non-negative"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="time_scale"):
        VirtualClock(time_scale=-0.5)
    with pytest.raises(RuntimeError, match="holds no time"):
        clock.release()
