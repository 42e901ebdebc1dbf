"""Step Functions Wait states and Retry intervals in modelled time.

moto's ASL interpreter really waits: ``WaitFunction._wait_interval`` blocks on
``env.program_state_event.wait(seconds)``
(``moto/stepfunctions/parser/asl/component/state/wait/wait_function/wait_function.py``) and
``RetrierDecl._eval_body`` calls ``time.sleep(interval)``
(``moto/stepfunctions/parser/asl/component/common/retry/retrier_decl.py``). A global
``time.sleep`` patch would hang executions, so the patches are narrow:

* ``WaitFunction._wait_interval`` is replaced: the wait advances ``world.clock`` by the ASL
  seconds and really waits ``seconds * time_scale`` (interruptible by StopExecution, as
  before).
* ``retrier_decl.time`` (that module's reference to the ``time`` module, nothing else) is
  replaced by a shim whose ``sleep`` does the same; its other attributes are the real ones.

``Seconds``, ``SecondsPath`` and ``Timestamp``/``TimestampPath`` waits all go through
``_wait_interval`` (a Timestamp wait is the difference to the real wall clock, as moto
computes it).

History events, and executions' ``startDate``/``stopDate`` (hence ``$$.Execution.StartTime``),
are stamped with the modelled wall clock (``world.utcnow()``):
``EventManager._get_current_timestamp`` is replaced, and the ``datetime`` module reference of
``parser/models.py`` and ``parser/backend/execution.py`` is a shim whose ``datetime.now`` is
modelled. Stage timings read from ``GetExecutionHistory`` are then modelled durations, as on
AWS they are real ones.

Not changed: ``TimeoutSeconds``/``HeartbeatSeconds`` are real seconds in moto's interpreter
(a ``.waitForTaskToken`` task without a callback blocks that long).
"""

from __future__ import annotations

import datetime as _dt
import logging
import threading
import time as _time
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..world import Service, active, register

if TYPE_CHECKING:
    from .._patching import Patcher

__all__ = ["StepFunctionsTime", "modelled_wait"]

LOG = logging.getLogger(__name__)


def modelled_wait(seconds: float, interrupt: threading.Event | None = None) -> None:
    """Wait ``seconds`` of modelled time through the installed emulator (or really sleep
    when none is installed)."""
    world = active()
    if world is None:
        if interrupt is not None:
            interrupt.wait(seconds)
        else:
            _time.sleep(seconds)
        return
    LOG.debug("modelled wait of %.3f s", seconds)
    world.wait(max(float(seconds), 0.0), interrupt)


class _TimeShim(ModuleType):
    """Stands in for ``time`` inside ``retrier_decl`` only: ``sleep`` is modelled."""

    def __init__(self) -> None:
        super().__init__("time")

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        modelled_wait(seconds)


class _ModelledDatetime(_dt.datetime):
    """``datetime.datetime`` whose ``now`` is the emulator's modelled wall clock."""

    @classmethod
    def now(cls, tz: _dt.tzinfo | None = None) -> _dt.datetime:  # type: ignore[override]
        world = active()
        if world is None:
            return _dt.datetime.now(tz)
        moment = world.utcnow()
        return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)


class _DatetimeShim(ModuleType):
    """Stands in for ``datetime`` inside the two moto modules that stamp executions."""

    def __init__(self) -> None:
        super().__init__("datetime")
        self.datetime = _ModelledDatetime

    def __getattr__(self, name: str) -> Any:
        return getattr(_dt, name)


def _history_timestamp() -> _dt.datetime:
    world = active()
    return world.utcnow() if world is not None else _dt.datetime.now(tz=_dt.UTC)


@register
class StepFunctionsTime(Service):
    """Wait states, Retry intervals and history timestamps in modelled time."""

    name = "sfn_time"

    def install(self, patcher: Patcher) -> None:
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
        from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
            WaitFunction,
        )
        from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager

        def _wait_interval(self: Any, env: Any, wait_seconds: float) -> None:
            if wait_seconds > 0:
                modelled_wait(wait_seconds, env.program_state_event)

        patcher.setattr(WaitFunction, "_wait_interval", _wait_interval)
        patcher.setattr(EventManager, "_get_current_timestamp", staticmethod(_history_timestamp))
        from moto.stepfunctions.parser import models as parser_models
        from moto.stepfunctions.parser.backend import execution as parser_execution

        for module in (parser_models, parser_execution):
            patcher.setattr(module, "datetime", _DatetimeShim())
        patcher.setattr(retrier_decl, "time", _TimeShim())
