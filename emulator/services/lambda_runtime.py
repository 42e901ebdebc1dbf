"""Lambda, in-process and in modelled time: concurrency, timeouts, cold starts, async invokes.

moto runs a function in Docker (``moto/awslambda/models.py`` ``LambdaFunction.invoke`` ->
``_invoke_lambda``). The emulator replaces ``LambdaFunction.invoke``: the function's
``Handler`` (e.g. ``failover.handlers.preflight.lambda_handler``) is imported from
``sys.path`` (``functions/`` must be on it, as pytest's ``pythonpath`` arranges) and called
with the event and a context shaped like Lambda's, as Lambda does it:

* **Each invocation runs on its own actor thread** (:mod:`emulator.clock`), so concurrent
  invocations run concurrently; the handler's AWS calls run on that thread (moto in-process).
* **Environment variables** are per invocation: while the emulator is installed ``os.environ``
  is a mapping whose per-context layer (a ``ContextVar``) holds the function's variables
  (``Environment.Variables``, ``AWS_REGION``/``AWS_DEFAULT_REGION`` = the function's region,
  ``AWS_LAMBDA_FUNCTION_NAME`` and the other reserved ``AWS_LAMBDA_*`` variables,
  ``POWERTOOLS_TRACE_DISABLED=1``); what a handler sets stays in its layer. No process-wide
  lock serialises handlers. Threads a handler starts inherit its layer (and its stdout).
* **Execution environments**: a function keeps a pool of warm environments. An invocation
  takes an idle one, or starts a new one: a *cold start* of
  ``latency.cold_start_seconds(handler module, MemorySize)`` (the handler's measured import
  time, scaled by the CPU share of the memory size, plus the runtime's start-up), charged
  before the handler runs. Concurrent invocations therefore each start cold the first time.
* **Function timeouts**: the invoker waits for the handler or for the virtual deadline
  ``start + Timeout``. At the deadline it returns what Lambda returns for a timed-out function,
  ``FunctionError: Unhandled`` and ``{"errorType": "Sandbox.Timedout", "errorMessage":
  "RequestId: <id> Error: Task timed out after <n>.00 seconds"}``
  (https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html#troubleshooting-timeouts),
  while the handler thread keeps running and its AWS calls still land later (on AWS the calls
  already in flight do; here the rest of the handler runs too). Its environment is discarded
  (the next invocation starts cold), as Lambda resets an environment after a timeout.
* **Asynchronous invokes** (``InvocationType: Event``; EventBridge and schedule targets, see
  :meth:`Lambda.invoke_async`) are accepted at once (202) and run on a background actor after
  ``latency.lambda_async_queue_seconds``. A function error is retried per the function's
  ``EventInvokeConfig`` (``MaximumRetryAttempts``, default 2, after 1 and 2 minutes;
  ``MaximumEventAgeInSeconds``, default 6 hours), then an invocation record goes to its
  ``OnFailure`` destination (SQS, SNS, Lambda or EventBridge), a success's to ``OnSuccess``
  (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
* **Handlers see the virtual wall clock**: after import, the handler package's modules (the
  handler module's top-level package) have their ``time`` / ``datetime`` globals (and
  ``sleep``, ``monotonic`` imported by name) rebound to :data:`emulator.clock.ACTOR_TIME` /
  :data:`emulator.clock.ACTOR_DATETIME`: on actor threads ``time.sleep(10)`` costs 10 modelled
  seconds and no real time, ``datetime.now()`` is ``world.utcnow()``; other threads (a test
  importing the same module) keep the real clock. Any other spelling (an alias, ``from time
  import time``, ``date.today()``) keeps the real clock: the product's side of this contract
  is the ``failover`` package docstring, held by tests/unit/test_product_clock_spellings.py.
* **Logs and EMF**: what each invocation prints and logs (``print``, ``logging.StreamHandler``
  records such as the Powertools logger's) is captured per context, not process-wide, with
  the modelled time of every line, and written to the function's log group with START, END and
  REPORT lines. Embedded Metric Format lines become CloudWatch datapoints (namespace,
  dimension sets, values, unit, ``StorageResolution``) stamped at the line's modelled time, as
  CloudWatch extracts them
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
  Direct ``sys.stdout.write`` calls are not captured.

An exception becomes the payload the Python runtime returns, ``{"errorMessage", "errorType",
"requestId", "stackTrace"}`` with ``FunctionError: "Unhandled"``, so Step Functions' error name
is the exception's class name (moto 5.2.5 reports ``"Handled"``: a bug, see
``LambdaFunction.invoke``; the Python runtime on AWS reports an uncaught exception as
``"Unhandled"``). A result that is not JSON serialisable fails with ``Runtime.MarshalError``.

With ``mock_aws(config={"lambda": {"use_docker": False}})`` moto's ``LambdaSimpleBackend``
(``moto/awslambda_simple/models.py``) echoes the payload instead of invoking; the emulator
gives it the regular backend's ``invoke`` so handlers run in both configurations.

``ISOLATE_EXECUTION_ENVIRONMENTS`` (off by default) gives every function its own copy of its
handler package's modules, as separate Lambda processes would; it serialises invocations (one
``sys.modules`` at a time, a :class:`~emulator.clock.VirtualLock`), so its timings are not
faithful: a switch to check that a handler package does not lean on module state.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import datetime as _dt
import importlib
import importlib.abc
import importlib.machinery
import json
import logging
import os
import sys
import threading
import time as _time
import traceback
import uuid
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from types import CodeType, ModuleType
from typing import TYPE_CHECKING, Any

from ..clock import (
    ACTOR_DATETIME,
    ACTOR_DATETIME_CLASS,
    ACTOR_TIME,
    ActorThread,
    VirtualEvent,
    VirtualLock,
    active_clock,
)
from ..faults import INVOKED_BY, TASK_STATE
from ..world import Service, register

if TYPE_CHECKING:
    from .._patching import Patcher
    from ..world import World

__all__ = ["Lambda", "LambdaContext", "Result", "reset"]

LOG = logging.getLogger(__name__)

#: Give every function its own copy of its handler package's modules (see the docstring).
ISOLATE_EXECUTION_ENVIRONMENTS = False

_ENVIRONMENTS: dict[tuple[str, str], dict[str, ModuleType]] = {}
_ISOLATION: list[VirtualLock] = []

#: The environment variables of the invocation running in this context (None: the process's).
_LAYER: contextvars.ContextVar[dict[str, str | None] | None] = contextvars.ContextVar(
    "lambda_environment", default=None
)
#: Where this context's stdout goes (None: the real stdout).
_CAPTURE: contextvars.ContextVar[_Capture | None] = contextvars.ContextVar(
    "lambda_stdout", default=None
)


@dataclass
class LambdaContext:
    """The subset of the Python runtime's context object handlers use."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    timeout_seconds: float
    identity: Any = None
    client_context: Any = None
    _deadline: float = 0.0  # modelled seconds (or real monotonic without a clock)

    def get_remaining_time_in_millis(self) -> int:
        clock = active_clock()
        now = clock.now() if clock is not None else _time.monotonic()
        return max(int((self._deadline - now) * 1000), 0)


@dataclass
class Result:
    """What an invocation returned to its invoker."""

    payload: str
    errored: bool
    logs: str
    timed_out: bool = False
    request_id: str = ""


def reset() -> None:
    """Forget every isolated copy of a handler package (the next invocations import anew)."""
    _ENVIRONMENTS.clear()


# ---------------------------------------------------------------- environment variables


class _LayeredEnviron(MutableMapping[str, str]):
    """``os.environ`` while installed: the process environment under the current context's
    layer of the running invocation (its function's variables and what it set itself)."""

    def __init__(self, base: MutableMapping[str, str]) -> None:
        self._base = base

    def __getitem__(self, key: str) -> str:
        layer = _LAYER.get()
        if layer is not None and key in layer:
            value = layer[key]
            if value is None:
                raise KeyError(key)
            return value
        return self._base[key]

    def __setitem__(self, key: str, value: str) -> None:
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"str expected, not {type(key).__name__}/{type(value).__name__}")
        layer = _LAYER.get()
        if layer is None:
            self._base[key] = value
        else:
            layer[key] = value

    def __delitem__(self, key: str) -> None:
        layer = _LAYER.get()
        if layer is None:
            del self._base[key]
            return
        if key not in self:
            raise KeyError(key)
        layer[key] = None

    def __iter__(self) -> Iterator[str]:
        layer = _LAYER.get()
        base = list(self._base)
        if layer is None:
            return iter(base)
        own = [key for key, value in layer.items() if value is not None and key not in base]
        return iter([key for key in base if layer.get(key, "") is not None] + own)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def copy(self) -> dict[str, str]:
        return dict(self.items())

    def __repr__(self) -> str:
        return f"environ({self.copy()!r})"


# ----------------------------------------------------------------------------- stdout


class _Capture:
    """One invocation's stdout: complete lines with the modelled time each was written."""

    def __init__(self) -> None:
        self.lines: list[tuple[float, str]] = []
        self._partial = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> None:
        clock = active_clock()
        at = clock.now() if clock is not None else 0.0
        with self._lock:
            parts = (self._partial + text).split("\n")
            self._partial = parts.pop()
            self.lines.extend((at, line) for line in parts)

    def close(self) -> None:
        with self._lock:
            if self._partial:
                clock = active_clock()
                self.lines.append((clock.now() if clock is not None else 0.0, self._partial))
                self._partial = ""


def _capture_output(patcher: Patcher) -> None:
    """Route what an invocation prints and logs to its capture (per context, not per
    process): ``print`` to stdout or stderr, and ``logging.StreamHandler`` records (the
    Powertools logger's handler), as Lambda sends both streams to the function's log.
    ``sys.stdout`` itself is left alone (pytest swaps it per test phase)."""
    import builtins
    import logging as _logging

    original_print = builtins.print
    original_emit = _logging.StreamHandler.emit
    streams = {id(sys.__stdout__), id(sys.__stderr__)}

    def print_(
        *values: object,
        sep: str | None = " ",
        end: str | None = "\n",
        file: Any = None,
        flush: bool = False,
    ) -> None:
        capture = _CAPTURE.get()
        if capture is None or (
            file is not None and file not in (sys.stdout, sys.stderr) and id(file) not in streams
        ):
            original_print(*values, sep=sep, end=end, file=file, flush=flush)
            return
        text = (" " if sep is None else sep).join(str(value) for value in values)
        capture.write(text + ("\n" if end is None else end))

    def emit(handler: Any, record: _logging.LogRecord) -> None:
        capture = _CAPTURE.get()
        if capture is None or type(handler) is not _logging.StreamHandler:
            original_emit(handler, record)
            return
        try:
            capture.write(handler.format(record) + handler.terminator)
        except Exception:  # noqa: BLE001 - logging's own convention
            handler.handleError(record)

    patcher.setattr(builtins, "print", print_)
    patcher.setattr(_logging.StreamHandler, "emit", emit)


# ------------------------------------------------------------- isolated environments


def _split_handler(handler: str) -> tuple[str, str]:
    module_path, _, function_name = handler.replace("/", ".").rpartition(".")
    if not module_path or not function_name:
        raise ValueError(f"Bad handler {handler!r}: expected 'module.function'")
    return module_path, function_name


def _package_modules(package: str) -> dict[str, ModuleType]:
    prefix = package + "."
    return {
        name: module
        for name, module in list(sys.modules.items())
        if name == package or name.startswith(prefix)
    }


_CODE: dict[tuple[str, int], CodeType] = {}


class _CachingLoader(importlib.machinery.SourceFileLoader):
    """Compiles each source file once per process, for every execution environment
    (with ``PYTHONDONTWRITEBYTECODE`` there is no ``.pyc`` to reuse)."""

    def get_code(self, fullname: str) -> CodeType | None:
        path = self.get_filename(fullname)
        key = (path, os.stat(path).st_mtime_ns)
        code = _CODE.get(key)
        if code is None:
            code = super().get_code(fullname)
            if code is not None:
                _CODE[key] = code
        return code


class _PackageFinder(importlib.abc.MetaPathFinder):
    """Finds the isolated package's modules, with :class:`_CachingLoader`."""

    def __init__(self, package: str) -> None:
        self.package = package

    def find_spec(
        self, fullname: str, path: Any = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.package and not fullname.startswith(self.package + "."):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            spec.loader = _CachingLoader(spec.loader.name, spec.loader.path)
        return spec


@contextlib.contextmanager
def _execution_environment(package: str, key: tuple[str, str]) -> Iterator[None]:
    """Swap the function's own copy of ``package`` into ``sys.modules`` (isolation only),
    and the caller's copy back afterwards; one invocation at a time."""
    if not ISOLATE_EXECUTION_ENVIRONMENTS:
        yield
        return
    if not _ISOLATION:
        _ISOLATION.append(VirtualLock())
    with _ISOLATION[0]:
        outer = _package_modules(package)
        for name in outer:
            del sys.modules[name]
        sys.modules.update(_ENVIRONMENTS.get(key, {}))
        finder = _PackageFinder(package)
        sys.meta_path.insert(0, finder)
        try:
            yield
        finally:
            sys.meta_path.remove(finder)
            own = _package_modules(package)
            _ENVIRONMENTS[key] = own
            for name in own:
                sys.modules.pop(name, None)
            sys.modules.update(outer)


def _error_payload(exc: BaseException, request_id: str, error_type: str | None = None) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    stack = traceback.format_list(frames)
    return json.dumps(
        {
            "errorMessage": str(exc),
            "errorType": error_type or type(exc).__name__,
            "requestId": request_id,
            "stackTrace": stack,
        }
    )


def _parse_event(body: Any) -> Any:
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8")
    if isinstance(body, str):
        if not body:
            return {}
        try:
            return json.loads(body)
        except ValueError:
            LOG.debug("event is not JSON; passing it as a string")
    return body


# ------------------------------------------------------------------------ invocations


@dataclass
class _Pool:
    """A function's execution environments (warm ones waiting for an invocation)."""

    idle: int = 0
    created: int = 0


@dataclass
class _Invocation:
    function: Any
    event: Any
    request_id: str
    cold_start: float
    started: float = 0.0  # modelled
    done: VirtualEvent = field(default_factory=VirtualEvent)
    capture: _Capture = field(default_factory=_Capture)
    payload: str = "null"
    errored: bool = False
    timed_out_at: float | None = None
    logs: str = ""
    invoked_by: str | None = None  # the Task state that invoked it, if one did


@register
class Lambda(Service):
    """``world.lambda``: Lambda functions run in-process, in modelled time (see the module
    docstring)."""

    name = "lambda"

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self._pools: dict[tuple[str, str], _Pool] = {}
        self._virtualised: set[int] = set()
        self._patcher: Patcher | None = None

    # ------------------------------------------------------------------------- invoking

    def invoke(self, function: Any, event: Any, invoked_by: str | None = None) -> Result:
        """Invoke a moto ``LambdaFunction`` synchronously (on the caller's thread).
        ``invoked_by``: the Task state behind it (default: the calling Task's, if any)."""
        clock = self.world.clock
        latency = self.world.latency
        actor = clock.is_actor()
        env_vars = {str(k): str(v) for k, v in (function.environment_vars or {}).items()}
        key = (str(function.function_arn), json.dumps(env_vars, sort_keys=True))
        module_path, _ = _split_handler(str(function.handler))
        with self._lock:
            pool = self._pools.setdefault(key, _Pool())
            warm = pool.idle > 0
            if warm:
                pool.idle -= 1
            else:
                pool.created += 1
        cold = 0.0 if warm else latency.cold_start_seconds(module_path, function.memory_size)
        if actor:
            clock.sleep(latency.lambda_invoke_seconds)
        invocation = _Invocation(
            function,
            _parse_event(event),
            str(uuid.uuid4()),
            cold,
            done=VirtualEvent(clock),
            invoked_by=invoked_by if invoked_by is not None else TASK_STATE.get(),
        )
        invocation.started = clock.now() + cold
        ActorThread(
            target=self._run,
            args=(invocation, key, env_vars),
            name=f"lambda:{function.function_name}",
            daemon=True,
        ).start()
        timeout = float(function.timeout or 3)
        # The Init phase (a cold start) runs before the handler; the timeout counts from there.
        if not invocation.done.wait(cold + timeout):
            with self._lock:
                invocation.timed_out_at = clock.now()
            payload = json.dumps(
                {
                    "errorMessage": f"RequestId: {invocation.request_id} Error: Task timed out "
                    f"after {timeout:.2f} seconds",
                    "errorType": "Sandbox.Timedout",
                }
            )
            logs = self._log_text(invocation)
            return Result(payload, True, logs, timed_out=True, request_id=invocation.request_id)
        return Result(
            invocation.payload,
            invocation.errored,
            invocation.logs,
            request_id=invocation.request_id,
        )

    def invoke_async(self, function: Any, event: Any) -> None:
        """Queue an asynchronous invocation (``InvocationType: Event``): retried on error per
        the function's EventInvokeConfig, then sent to its destination."""
        enqueued = self.world.clock.now()
        ActorThread(
            target=self._run_async,
            args=(function, _parse_event(event), enqueued, TASK_STATE.get()),
            name=f"lambda-async:{function.function_name}",
            daemon=True,
        ).start()

    def _run_async(
        self, function: Any, event: Any, enqueued: float, invoked_by: str | None = None
    ) -> None:
        clock = self.world.clock
        latency = self.world.latency
        config = _event_invoke_config(function)
        retries = int(config.get("MaximumRetryAttempts", 2))
        max_age = float(config.get("MaximumEventAgeInSeconds", 21600))
        clock.sleep(latency.lambda_async_queue_seconds)
        attempts = 0
        while True:
            result = self.invoke(function, event, invoked_by)
            attempts += 1
            if not result.errored:
                self._destination(function, event, result, attempts, "Success", config)
                return
            if attempts > retries:
                self._destination(function, event, result, attempts, "RetriesExhausted", config)
                return
            delays = latency.lambda_async_retry_delays
            delay = delays[min(attempts - 1, len(delays) - 1)] if delays else 0.0
            if clock.now() + delay - enqueued > max_age:
                self._destination(function, event, result, attempts, "EventAgeExceeded", config)
                return
            clock.sleep(delay)

    def _destination(
        self,
        function: Any,
        event: Any,
        result: Result,
        attempts: int,
        condition: str,
        config: dict[str, Any],
    ) -> None:
        """Send the invocation record to OnSuccess / OnFailure, if the function has one."""
        which = "OnSuccess" if condition == "Success" else "OnFailure"
        target = ((config.get("DestinationConfig") or {}).get(which) or {}).get("Destination")
        if not target:
            if condition != "Success":
                LOG.warning(
                    "async invocation of %s dropped (%s)", function.function_name, condition
                )
            return
        try:
            response: Any = json.loads(result.payload) if result.payload else None
        except ValueError:
            response = result.payload
        record = {
            "version": "1.0",
            "timestamp": _iso_millis(self.world.utcnow()),
            "requestContext": {
                "requestId": result.request_id,
                "functionArn": f"{function.function_arn}:$LATEST",
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"}
            | ({"functionError": "Unhandled"} if result.errored else {}),
            "responsePayload": response,
        }
        self.world.notify(
            "lambda-destination", function.function_name, condition, {"destination": target}
        )
        try:
            self._send_record(target, record, which)
        except Exception:
            if self.world.clock.closed:  # the world was torn down under a running invocation
                LOG.debug("invocation record for %s dropped at teardown", target)
            else:
                LOG.exception("sending the invocation record to %s failed", target)

    def _send_record(self, target: str, record: dict[str, Any], which: str) -> None:
        parts = target.split(":")
        service, region, account = parts[2], parts[3], parts[4]
        body = json.dumps(record)
        if service == "sqs":
            from moto.sqs.models import sqs_backends

            sqs_backends[account][region].send_message(parts[5], body)
        elif service == "sns":
            from moto.sns.models import sns_backends

            sns_backends[account][region].publish(body, arn=target)
        elif service == "lambda":
            from moto.awslambda.models import lambda_backends

            self.invoke_async(lambda_backends[account][region].get_function(target), record)
        elif service == "events":
            events = self.world.service("eventbridge")  # (no type import: no import cycle)
            kind = "Success" if which == "OnSuccess" else "Failure"
            event = events.event(
                f"Lambda Function Invocation Result - {kind}",
                "lambda",
                account,
                region,
                [record["requestContext"]["functionArn"]],
                record,
            )
            events.dispatch(account, region, parts[5].split("/", 1)[-1], event)
        else:
            raise NotImplementedError(f"destinations of service {service} are not modelled")

    # ------------------------------------------------------------------ the handler thread

    def _run(self, invocation: _Invocation, key: tuple[str, str], env_vars: dict[str, str]) -> None:
        """The invocation's actor thread: start cold (Init) if it must, run the handler, log,
        then free the environment."""
        function = invocation.function
        clock = self.world.clock
        if invocation.cold_start:
            clock.sleep(invocation.cold_start)
        module_path, function_name = _split_handler(str(function.handler))
        log_stream = f"{self.world.utcnow():%Y/%m/%d}/[{function.version}]{uuid.uuid4().hex}"
        layer: dict[str, str | None] = dict(env_vars)
        layer.update(
            {
                "AWS_REGION": function.region,
                "AWS_DEFAULT_REGION": function.region,
                "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
                "AWS_LAMBDA_FUNCTION_VERSION": str(function.version),
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
                "AWS_LAMBDA_LOG_GROUP_NAME": _log_group(function),
                "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.run_time}",
                "_HANDLER": str(function.handler),
                "POWERTOOLS_TRACE_DISABLED": "1",
            }
        )
        _LAYER.set(layer)
        _CAPTURE.set(invocation.capture)
        INVOKED_BY.set(invocation.invoked_by)
        context = LambdaContext(
            function_name=function.function_name,
            function_version=str(function.version),
            invoked_function_arn=function.function_arn,
            memory_limit_in_mb=int(function.memory_size),
            aws_request_id=invocation.request_id,
            log_group_name=_log_group(function),
            log_stream_name=log_stream,
            timeout_seconds=float(function.timeout or 3),
            _deadline=clock.now() + float(function.timeout or 3),
        )
        package = module_path.split(".")[0]
        try:
            with _execution_environment(package, key):
                module = importlib.import_module(module_path)
                self._virtualise(package)
                result = getattr(module, function_name)(invocation.event, context)
        except Exception as exc:  # noqa: BLE001 - the runtime reports any handler error
            LOG.info("%s raised %s: %s", function.function_name, type(exc).__name__, exc)
            invocation.payload = _error_payload(exc, invocation.request_id)
            invocation.errored = True
        else:
            try:
                invocation.payload = json.dumps(result)
            except (TypeError, ValueError) as exc:
                invocation.payload = _error_payload(
                    ValueError(f"Unable to marshal response: {exc}"),
                    invocation.request_id,
                    "Runtime.MarshalError",
                )
                invocation.errored = True
        finally:
            _CAPTURE.set(None)
            invocation.capture.close()
            try:
                invocation.logs = self._log_text(invocation)
                self._write_logs(invocation, log_stream)
                self._extract_metrics(invocation)
            except Exception:
                LOG.exception("writing the logs of %s failed", function.function_name)
            with self._lock:
                if invocation.timed_out_at is None:
                    self._pools.setdefault(key, _Pool()).idle += 1  # warm for the next one
            invocation.done.set()

    def _virtualise(self, package: str) -> None:
        """Rebind the handler package's ``time``/``datetime`` to the modelled ones (once)."""
        patcher = self._patcher
        if patcher is None:
            return
        names = {
            "sleep": _time.sleep,
            "monotonic": _time.monotonic,
            "perf_counter": _time.perf_counter,
        }
        for name, module in _package_modules(package).items():
            if id(module) in self._virtualised:
                continue
            self._virtualised.add(id(module))
            namespace = vars(module)
            if namespace.get("time") is _time:
                patcher.setattr(module, "time", ACTOR_TIME)
            if namespace.get("datetime") is _dt.datetime:
                patcher.setattr(module, "datetime", ACTOR_DATETIME_CLASS)
            elif namespace.get("datetime") is _dt:
                patcher.setattr(module, "datetime", ACTOR_DATETIME)
            for attribute, real in names.items():
                if namespace.get(attribute) is real:
                    patcher.setattr(module, attribute, getattr(ACTOR_TIME, attribute))
            LOG.debug("modelled time in %s", name)

    # --------------------------------------------------------------------- logs and EMF

    def _log_text(self, invocation: _Invocation) -> str:
        return "\n".join(line for _, line in self._log_lines(invocation))

    def _log_lines(self, invocation: _Invocation) -> list[tuple[float, str]]:
        """The invocation's log: START, what it printed, END, REPORT (modelled times). A
        timed-out invocation's record ends at its deadline, as Lambda stops it there."""
        function, request_id = invocation.function, invocation.request_id
        timeout = float(function.timeout or 3)
        timed_out = invocation.timed_out_at
        ended = timed_out if timed_out is not None else self.world.clock.now()
        lines = [(invocation.started, f"START RequestId: {request_id} Version: {function.version}")]
        lines.extend(item for item in self._printed(invocation))
        status = ""
        if timed_out is not None:
            moment = _iso_millis(self.world.clock.epoch + _dt.timedelta(seconds=timed_out))
            lines.append(
                (timed_out, f"{moment} {request_id} Task timed out after {timeout:.2f} seconds")
            )
            status = "\tStatus: timeout"
        duration = max(ended - invocation.started, 0.0) * 1000
        init = (
            f"\tInit Duration: {invocation.cold_start * 1000:.2f} ms"
            if invocation.cold_start
            else ""
        )
        lines.append((ended, f"END RequestId: {request_id}"))
        lines.append(
            (
                ended,
                f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\t"
                f"Billed Duration: {max(int(duration) + 1, 1)} ms\t"
                f"Memory Size: {function.memory_size} MB{init}{status}",
            )
        )
        return lines

    @staticmethod
    def _printed(invocation: _Invocation) -> list[tuple[float, str]]:
        """What the handler printed, up to its timeout if it had one."""
        cut = invocation.timed_out_at
        return [(at, line) for at, line in invocation.capture.lines if cut is None or at <= cut]

    def _write_logs(self, invocation: _Invocation, log_stream: str) -> None:
        function = invocation.function
        group = _log_group(function)
        backend = function.logs_backend
        backend.ensure_log_group(group)
        backend.create_log_stream(group, log_stream)
        epoch = self.world.clock.epoch
        events = [
            {
                "timestamp": int((epoch + _dt.timedelta(seconds=at)).timestamp() * 1000),
                "message": line,
            }
            for at, line in self._log_lines(invocation)
        ]
        # CloudWatch Logs takes a batch in chronological order only; a line the handler
        # printed while its module was imported (a cold start) precedes START.
        events.sort(key=lambda event: int(str(event["timestamp"])))
        backend.put_log_events(group, log_stream, events)

    def _extract_metrics(self, invocation: _Invocation) -> None:
        cloudwatch = self.world.service("cloudwatch")
        function = invocation.function
        for at, line in self._printed(invocation):
            for namespace, datum in emf_datapoints(line):
                cloudwatch.put_datapoints(
                    function.account_id, function.region, namespace, [datum], at
                )

    # -------------------------------------------------------------------------- install

    def install(self, patcher: Patcher) -> None:
        from moto.awslambda.models import LambdaBackend, LambdaFunction
        from moto.awslambda_simple.models import LambdaSimpleBackend

        self._patcher = patcher
        service = self

        def invoke(fn: Any, body: Any, request_headers: Any, response_headers: Any) -> bytes:
            kind = (request_headers or {}).get("x-amz-invocation-type") or "RequestResponse"
            if kind == "Event":
                service.invoke_async(fn, body)
                return b""
            if kind == "DryRun":
                return b""
            result = service.invoke(fn, body)
            if result.errored:
                response_headers["x-amz-function-error"] = "Unhandled"
            tail = result.logs.encode("utf-8")[-4096:]
            response_headers["x-amz-log-result"] = base64.b64encode(tail).decode("ascii")
            response_headers["x-amz-executed-version"] = "$LATEST"
            return result.payload.encode("utf-8")

        patcher.setattr(LambdaFunction, "invoke", invoke)
        # mock_aws(config={"lambda": {"use_docker": False}}) selects moto's LambdaSimpleBackend,
        # whose invoke echoes the payload without running anything: run the handler there too.
        patcher.setattr(LambdaSimpleBackend, "invoke", LambdaBackend.invoke)
        patcher.setattr(os, "environ", _LayeredEnviron(os.environ))
        _capture_output(patcher)
        _inherit_context_in_threads(patcher)
        reset()
        patcher.defer(reset)
        patcher.defer(self._virtualised.clear)


def _inherit_context_in_threads(patcher: Patcher) -> None:
    """Threads a handler starts run in a copy of its context (its environment layer and its
    stdout capture), as they would share its process on Lambda."""
    original = threading.Thread.start

    def start(thread: threading.Thread) -> None:
        if _LAYER.get() is not None and not isinstance(thread, ActorThread):
            context = contextvars.copy_context()
            run = thread.run
            thread.run = lambda: context.run(run)  # type: ignore[method-assign]
        original(thread)

    patcher.setattr(threading.Thread, "start", start)


def _event_invoke_config(function: Any) -> dict[str, Any]:
    configs = getattr(function, "event_invoke_config", None) or []
    return dict(configs[0].config) if configs else {}


def _log_group(function: Any) -> str:
    return str(function.logs_group_name)


def _iso_millis(moment: _dt.datetime) -> str:
    moment = moment.astimezone(_dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def emf_datapoints(line: str) -> list[tuple[str, dict[str, Any]]]:
    """The CloudWatch datapoints of one Embedded Metric Format log line: ``(namespace,
    datum)`` with ``MetricName``, ``Dimensions``, ``Values``, ``Unit``,
    ``StorageResolution`` (one per metric and dimension set). Not EMF: []."""
    text = line.strip()
    if not text.startswith("{") or '"_aws"' not in text:
        return []
    try:
        document = json.loads(text)
    except ValueError:
        return []
    meta = document.get("_aws") if isinstance(document, dict) else None
    if not isinstance(meta, dict):
        return []
    found: list[tuple[str, dict[str, Any]]] = []
    for directive in meta.get("CloudWatchMetrics") or []:
        if not isinstance(directive, dict) or not isinstance(directive.get("Namespace"), str):
            continue
        dimension_sets = directive.get("Dimensions") or [[]]
        for metric in directive.get("Metrics") or []:
            name = metric.get("Name") if isinstance(metric, dict) else None
            raw = document.get(name) if isinstance(name, str) else None
            values = raw if isinstance(raw, list) else [raw]
            numbers = [float(v) for v in values if isinstance(v, int | float)]
            if not numbers:
                continue
            for dimension_set in dimension_sets:
                dimensions = [
                    {"Name": key, "Value": str(document[key])}
                    for key in dimension_set
                    if isinstance(key, str) and key in document
                ]
                if len(dimensions) != len(dimension_set):
                    continue  # a dimension without a value: CloudWatch rejects the set
                found.append(
                    (
                        directive["Namespace"],
                        {
                            "MetricName": name,
                            "Dimensions": dimensions,
                            "Values": numbers,
                            "Unit": metric.get("Unit", "None"),
                            "StorageResolution": int(metric.get("StorageResolution", 60)),
                        },
                    )
                )
    return found
