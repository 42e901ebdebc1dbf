"""moto's Step Functions interpreter in modelled time: its threads are actors.

moto's ASL interpreter (ported from LocalStack) runs an execution on several threads and
waits with real primitives: ``ExecutionWorker`` starts a thread
(``parser/backend/execution_worker.py``); ``Program.eval`` runs the program on a worker thread
and ``join(timeout=TimeoutSeconds)``s it (``asl/component/program/program.py``); a Parallel
state starts a ``BranchWorker`` thread per branch (``state_parallel/branch_worker.py``) and
waits on ``BranchWorkerPool.wait()``, an ``Event`` (``state_parallel/branches_decl.py``); an
inline Map state starts an ``IterationWorker`` thread per concurrent iteration
(``state_map/iteration/inline_iteration_component.py``) and waits on ``JobPool.await_jobs()``,
an ``Event`` (``state_map/iteration/job.py``); every
Task runs on its own thread while the state waits ``terminated_event.wait(TimeoutSeconds)``
(``state/exec/execute_state.py``); ``.waitForTaskToken`` waits on the callback endpoint's
``Event`` (``eval/callback/callback.py``, ``state_task_service_callback.py``, whose ``.sync``
loop sleeps); Wait states wait on ``env.program_state_event`` and Retry intervals
``time.sleep`` (``wait_function.py``, ``retrier_decl.py``).

Each of those modules gets a stand-in ``threading`` (:func:`emulator.clock.threading_shim`:
``Thread`` is an :class:`~emulator.clock.ActorThread`, ``Event`` a
:class:`~emulator.clock.VirtualEvent`) and, where it sleeps, a modelled ``time``. Nothing else
in those modules changes. So every interpreter thread is an actor, and the machine's
``TimeoutSeconds``, each state's ``TimeoutSeconds`` and ``HeartbeatSeconds``, Wait states and
Retry intervals are modelled seconds: at time scale 0 an hour's Wait costs no real time, and
a task that outlives its state's timeout fails with ``States.Timeout`` at its modelled
deadline. Parallel branches and Map iterations run side by side in modelled time. (Distributed
Map runs are not modelled.)

History events, executions' ``startDate``/``stopDate``, the context object's
``$$.Execution.StartTime`` and ``$$.State.EnteredTime`` (also JSONata's
``$states.context``) and the parallel branches' stop dates read the modelled wall clock
(``world.utcnow()``): ``EventManager._get_current_timestamp`` is replaced and the ``datetime``
module reference of the modules that stamp them is :data:`emulator.clock.MODELLED_DATETIME`.
Stage timings read from ``GetExecutionHistory`` are then modelled durations, as on AWS they
are real ones. Every state transition costs ``latency.sfn_transition_seconds`` (charged before
the state is entered; not published: an assumption).
"""

from __future__ import annotations

import datetime as _dt
import importlib
import logging
from typing import TYPE_CHECKING, Any

from ..clock import MODELLED_DATETIME, MODELLED_TIME, VirtualEvent, active_clock, threading_shim
from ..world import Service, register

if TYPE_CHECKING:
    from .._patching import Patcher

__all__ = ["StepFunctionsTime"]

LOG = logging.getLogger(__name__)

_PARSER = "moto.stepfunctions.parser"
_STATE = f"{_PARSER}.asl.component.state"
# Modules whose ``threading`` (and names imported from it) become the shim.
_THREADING = (
    f"{_PARSER}.backend.execution_worker",
    f"{_PARSER}.asl.component.program.program",
    f"{_STATE}.exec.state_parallel.branch_worker",
    f"{_STATE}.exec.state_parallel.branches_decl",
    f"{_STATE}.exec.state_map.iteration.inline_iteration_component",
    f"{_STATE}.exec.state_map.iteration.job",
    f"{_STATE}.exec.execute_state",
    f"{_STATE}.exec.state_task.service.state_task_service_callback",
    f"{_PARSER}.asl.eval.environment",
    f"{_PARSER}.asl.eval.callback.callback",
)
# Modules whose ``time`` becomes the modelled one (they sleep).
_TIME = (
    f"{_PARSER}.asl.component.common.retry.retrier_decl",
    f"{_STATE}.exec.state_task.service.state_task_service_callback",
)
# Modules whose ``datetime`` module becomes the modelled one (they stamp things).
_DATETIME = (
    f"{_PARSER}.models",
    f"{_PARSER}.backend.execution",
    f"{_STATE}.state",
    f"{_STATE}.exec.state_parallel.branches_decl",
    f"{_STATE}.exec.state_map.iteration.itemprocessor.map_run_record",
)


def _history_timestamp() -> _dt.datetime:
    clock = active_clock()
    return clock.utcnow() if clock is not None else _dt.datetime.now(tz=_dt.UTC)


@register
class StepFunctionsTime(Service):
    """moto's interpreter threads as actors; Wait, Retry and timeouts in modelled time."""

    name = "sfn_time"

    def install(self, patcher: Patcher) -> None:
        from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
            WaitFunction,
        )
        from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager

        shim = threading_shim()
        for name in _THREADING:
            module = importlib.import_module(name)
            if "threading" in vars(module):
                patcher.setattr(module, "threading", shim)
            for attribute in ("Thread", "Event"):
                if attribute in vars(module):  # ``from threading import Thread, Event``
                    patcher.setattr(module, attribute, getattr(shim, attribute))
        for name in _TIME:
            patcher.setattr(importlib.import_module(name), "time", MODELLED_TIME)
        for name in _DATETIME:
            patcher.setattr(importlib.import_module(name), "datetime", MODELLED_DATETIME)

        def _wait_interval(self: Any, env: Any, wait_seconds: float) -> None:
            # moto waits on the program-state event (set when the execution stops) and, when
            # woken early while still running, waits the rest again: the same, modelled.
            if wait_seconds <= 0:
                return
            event = env.program_state_event
            clock = active_clock()
            if not isinstance(event, VirtualEvent) or clock is None:
                event.wait(wait_seconds)
                return
            end = clock.now() + wait_seconds
            while env.is_running() and clock.now() < end:
                event.wait(end - clock.now())

        patcher.setattr(WaitFunction, "_wait_interval", _wait_interval)

        from moto.stepfunctions.parser.asl.component.state.state import CommonStateField

        world = self.world
        original_body = CommonStateField._eval_body

        def _eval_body(state: Any, env: Any) -> None:
            # A state transition takes time on AWS (latency.sfn_transition_seconds, an
            # assumption): charged before the state is entered.
            clock = active_clock()
            transition = world.latency.sfn_transition_seconds
            if clock is not None and transition > 0:
                clock.sleep(transition)
            original_body(state, env)

        patcher.setattr(CommonStateField, "_eval_body", _eval_body)
        patcher.setattr(EventManager, "_get_current_timestamp", staticmethod(_history_timestamp))
