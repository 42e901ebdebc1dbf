"""Fix 9: A stopped task's timeout (``parser/asl/component/common/timeouts/timeout.py``
``Timeout`` and ``heartbeat.py`` ``Heartbeat``). When a Parallel branch fails while
another starts a Task, the Task's scheduled event can record the state input (a dict) as
``timeoutInSeconds``, and every ``get_execution_history`` of that execution then raises
``TypeError: int() argument must be a string, a bytes-like object or a real number, not
'dict'``. The cause and a reproduction: :func:`install`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..._patching import Patcher


def install(patcher: Patcher) -> None:
    """A Task's ``TimeoutSeconds`` and ``HeartbeatSeconds`` always push their value.

    The cause of the intermittent ``TypeError: int() argument must be a string, a bytes-like
    object or a real number, not 'dict'`` out of GetExecutionHistory:

    * moto evaluates every ASL component through ``EvalComponent.eval``, which does nothing
      ("prunes") once the component's environment is no longer running;
    * a Task runs in its own frame, on its own thread (``ExecutionState._evaluate_with_timeout``
      starts it with ``frame.stack`` a copy of the state's stack, the state input included);
    * when a sibling Parallel branch fails (or StopExecution arrives), the branch's frames
      are stopped at once, whatever their threads are doing;
    * ``StateTaskLambda._eval_execution`` (and ``StateTaskService._before_eval_execution``)
      then do ``self.timeout.eval(env); timeout_seconds = env.stack.pop()``. If the frame
      stopped after the task thread started and before that line, the evaluation is pruned
      and the pop takes the next value on the stack instead: the state's input, a dict. It
      becomes ``timeoutInSeconds`` of the LambdaFunctionScheduled / TaskScheduled event, and
      every later GetExecutionHistory of that execution fails in moto's serialiser
      (``_serialize_type_long``: ``int(dict)``).

    The window is the start-up of the task thread, so it opens under load (2 cores, several
    pytest workers): the run that hits it is the one where a Parallel branch fails while
    another starts a Task (the db-failure scenario), or an execution is stopped.

    The fix: timeouts and heartbeats are pure values, so they are evaluated even in a stopped
    frame, and the pop that follows always takes their own value. (The stopped task may still
    record a few events after the execution ended, as moto did before; they now serialise.)

    Reproduction for moto (with the ``run`` of :mod:`emulator.services.sfn_fixes`; fails in
    most runs)::

        fn = "arn:aws:lambda:us-east-1:123456789012:function:any"  # need not exist
        definition = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True,
            "Branches": [
                {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}},
                {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": fn,
                    "TimeoutSeconds": 60, "End": True,
                    "Parameters": {f"k{i}.$": "$.v" for i in range(150)}}}}]}}}
        arn = run(definition, '{"v": 1}')["executionArn"]
        time.sleep(0.3)  # the stopped branch records its last events
        sfn.get_execution_history(executionArn=arn)  # TypeError in moto's serialiser

    Expected (AWS): the history reads back; a scheduled task's ``timeoutInSeconds`` is 60.
    """
    from moto.stepfunctions.parser.asl.component.common.timeouts.heartbeat import Heartbeat
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import Timeout
    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent

    original = EvalComponent.eval

    def eval_value(self: Any, env: Any) -> None:
        depth = len(env.stack)
        original(self, env)
        if len(env.stack) == depth:  # pruned: the frame stopped before or while evaluating
            self._eval_body(env)

    for cls in (Timeout, Heartbeat):
        patcher.setattr(cls, "eval", eval_value)
