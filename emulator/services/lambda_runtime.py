"""Run moto's Lambda functions in-process instead of in Docker.

Patches ``moto/awslambda/models.py`` ``LambdaFunction._invoke_lambda(self, event)`` (which
returns ``(payload_str, errored, logs)``): the function's ``Handler`` (e.g.
``failover.handlers.acquire_lock.lambda_handler``) is imported from ``sys.path`` (``functions/``
must be on it, as pytest's ``pythonpath`` arranges) and called with the event and a context
shaped like Lambda's.

Per invocation, under one process-wide lock (environment variables are process-global):

* ``os.environ`` = current environment + the function's ``Environment.Variables`` +
  ``AWS_REGION``/``AWS_DEFAULT_REGION`` = the function's region, ``AWS_LAMBDA_FUNCTION_NAME``
  and the other reserved ``AWS_LAMBDA_*`` variables, ``POWERTOOLS_TRACE_DISABLED=1``; and,
  when moto runs as a server (no ``mock_aws`` active), ``AWS_ENDPOINT_URL`` pointing at it
  unless already set. Restored afterwards.
* Execution environments (when ``ISOLATE_EXECUTION_ENVIRONMENTS`` is on): each function
  (ARN + environment variables) gets its own copy of the handler's top-level package
  modules, imported on its first ("cold") invocation and reused afterwards, as Lambda keeps
  one process per execution environment. So module-level state (settings read once,
  Powertools objects) never leaks between functions or regions. ``reset()`` (called by
  ``Emulator.uninstall``) forgets them all. Sources are compiled once per process and the
  code objects reused by every environment.

An exception becomes the payload the Python runtime returns,
``{"errorMessage", "errorType", "requestId", "stackTrace"}`` with ``errored=True``, so Step
Functions' error name is the exception's class name. A result that is not JSON serialisable
fails with ``Runtime.MarshalError``, as on Lambda.

A moto bug (5.2.5, ``moto/awslambda/models.py`` ``LambdaFunction.invoke``): an uncaught
exception in a function is reported as ``FunctionError: "Handled"``. With Docker available,
under ``mock_aws()``, a function whose handler is ``def handler(event, context): raise
ValueError("x")`` gives ``boto3.client("lambda").invoke(FunctionName="f")["FunctionError"]
== "Handled"``; the Python runtime on AWS reports an uncaught exception as ``"Unhandled"``.
The patched ``invoke`` says "Unhandled".

With ``mock_aws(config={"lambda": {"use_docker": False}})`` moto's ``LambdaSimpleBackend``
(``moto/awslambda_simple/models.py``) echoes the payload instead of invoking; the emulator
gives it the regular backend's ``invoke`` so handlers run in both configurations.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import json
import logging
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import CodeType, ModuleType
from typing import TYPE_CHECKING, Any

from ..world import Service, register

if TYPE_CHECKING:
    from .._patching import Patcher

__all__ = ["ENV_LOCK", "Lambda", "LambdaContext", "invoke_handler", "reset"]

LOG = logging.getLogger(__name__)

#: Held while a handler runs with its environment variables in ``os.environ``.
ENV_LOCK = threading.RLock()

#: Give every function its own copy of its handler package's modules, as separate Lambda
#: processes would. Off by default: it re-imports the package and rebuilds every boto3
#: session and client per function (about 20 CPU-seconds over the state-machine suite), and
#: the failover package keys its caches by environment and region, so sharing is safe there.
#: Switch it on to check that a handler package does not lean on module state.
ISOLATE_EXECUTION_ENVIRONMENTS = False

_ENVIRONMENTS: dict[tuple[str, str], dict[str, ModuleType]] = {}


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
    _started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        remaining = self.timeout_seconds - (time.monotonic() - self._started)
        return max(int(remaining * 1000), 0)


def reset() -> None:
    """Forget every execution environment: the next invocations are cold starts."""
    with ENV_LOCK:
        _ENVIRONMENTS.clear()


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
    """Swap the function's own copy of ``package`` into ``sys.modules`` (caller holds the
    lock), and the caller's copy back afterwards."""
    if not ISOLATE_EXECUTION_ENVIRONMENTS:
        yield
        return
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


@contextlib.contextmanager
def _environment(overlay: dict[str, str]) -> Iterator[None]:
    """Apply ``overlay`` to ``os.environ``; afterwards put back exactly what was there
    (including anything the handler set or removed), key by key, never clearing it."""
    before = dict(os.environ)
    os.environ.update(overlay)
    try:
        yield
    finally:
        for name in list(os.environ):
            if name not in before:
                os.environ.pop(name, None)
        for name, value in before.items():
            if os.environ.get(name) != value:
                os.environ[name] = value


def _server_endpoint() -> str | None:
    """moto's server URL when no ``mock_aws`` intercepts calls (server mode)."""
    from moto.core.models import botocore_stubber

    if botocore_stubber.enabled:
        return None
    from moto import settings

    return f"http://localhost:{settings.moto_server_port()}"


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


def invoke_handler(function: Any, event: Any) -> tuple[str, bool, str]:
    """Run a moto ``LambdaFunction``'s handler in-process: ``(payload, errored, logs)``."""
    request_id = str(uuid.uuid4())
    if isinstance(event, str | bytes):
        try:
            event = json.loads(event) if event else {}
        except ValueError:
            LOG.debug("event is not JSON; passing it as a string")
    module_path, function_name = _split_handler(str(function.handler))
    env_vars = {str(k): str(v) for k, v in (function.environment_vars or {}).items()}
    log_stream = f"{time.strftime('%Y/%m/%d')}/[{function.version}]{uuid.uuid4().hex}"
    overlay = dict(env_vars)
    overlay.update(
        {
            "AWS_REGION": function.region,
            "AWS_DEFAULT_REGION": function.region,
            "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": str(function.version),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": function.logs_group_name,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.run_time}",
            "_HANDLER": str(function.handler),
            "POWERTOOLS_TRACE_DISABLED": "1",
        }
    )
    endpoint = _server_endpoint()
    if endpoint and "AWS_ENDPOINT_URL" not in os.environ:
        overlay["AWS_ENDPOINT_URL"] = endpoint
    context = LambdaContext(
        function_name=function.function_name,
        function_version=str(function.version),
        invoked_function_arn=function.function_arn,
        memory_limit_in_mb=int(function.memory_size),
        aws_request_id=request_id,
        log_group_name=function.logs_group_name,
        log_stream_name=log_stream,
        timeout_seconds=float(function.timeout or 3),
    )
    key = (function.function_arn, json.dumps(env_vars, sort_keys=True))
    package = module_path.split(".")[0]
    started = time.monotonic()
    errored = False
    with ENV_LOCK, _environment(overlay), _execution_environment(package, key):
        try:
            handler = getattr(importlib.import_module(module_path), function_name)
            result = handler(event, context)
        except Exception as exc:  # noqa: BLE001 - the runtime reports any handler error
            LOG.info("%s raised %s: %s", function.function_name, type(exc).__name__, exc)
            payload = _error_payload(exc, request_id)
            errored = True
        else:
            try:
                payload = json.dumps(result)
            except (TypeError, ValueError) as exc:
                payload = _error_payload(
                    ValueError(f"Unable to marshal response: {exc}"),
                    request_id,
                    "Runtime.MarshalError",
                )
                errored = True
    duration_ms = (time.monotonic() - started) * 1000
    logs = "\n".join(
        [
            f"START RequestId: {request_id} Version: {function.version}",
            f"END RequestId: {request_id}",
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {max(int(duration_ms) + 1, 1)} ms\t"
            f"Memory Size: {function.memory_size} MB",
        ]
    )
    return payload, errored, logs


@register
class Lambda(Service):
    """Lambda functions run in-process, taking ``latency.lambda_task_seconds`` of modelled
    time each (the handler's own compute costs none)."""

    name = "lambda"

    def install(self, patcher: Patcher) -> None:
        from moto.awslambda.models import LambdaBackend, LambdaFunction
        from moto.awslambda_simple.models import LambdaSimpleBackend

        world = self.world
        original_invoke = LambdaFunction.invoke

        def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
            began = world.clock.now()
            self.logs_backend.ensure_log_group(self.logs_group_name)
            payload, errored, logs = invoke_handler(self, event)
            self.save_logs(logs)
            if world.latency.lambda_task_seconds > 0:
                remaining = began + world.latency.lambda_task_seconds - world.clock.now()
                if remaining > 0:
                    world.wait(remaining)
            return payload, errored, logs

        def invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
            result = original_invoke(self, body, request_headers, response_headers)
            # The Python runtime reports an uncaught exception as "Unhandled".
            if response_headers.get("x-amz-function-error") == "Handled":
                response_headers["x-amz-function-error"] = "Unhandled"
            return result

        patcher.setattr(LambdaFunction, "_invoke_lambda", _invoke_lambda)
        patcher.setattr(LambdaFunction, "invoke", invoke)
        # mock_aws(config={"lambda": {"use_docker": False}}) selects moto's LambdaSimpleBackend,
        # whose invoke echoes the payload without running anything: run the handler there too.
        patcher.setattr(LambdaSimpleBackend, "invoke", LambdaBackend.invoke)
        _guard_environment_scans(patcher)
        reset()
        patcher.defer(reset)


def _guard_environment_scans(patcher: Patcher) -> None:
    """Readers that iterate ``os.environ`` take ``ENV_LOCK`` too.

    Restoring the environment after an invocation removes the function's variables. A scan
    of ``os.environ`` in another thread at that moment (``os.environ.items()`` lists the keys,
    then reads each one) raises ``KeyError`` for a key removed in between. Every boto3 client
    creation scans it for proxy settings (``urllib.request.getproxies_environment``, reached
    from ``botocore.utils.get_environ_proxies``), including the clients that moto's Step
    Functions interpreter creates to invoke the next function while a Parallel branch's
    handler finishes. On Lambda each function has its own process, so no such scan can
    overlap another function's environment; the lock restores that.
    """
    import urllib.request

    import botocore.utils

    original = urllib.request.getproxies_environment

    def getproxies_environment() -> dict[str, str]:
        with ENV_LOCK:
            return original()

    patcher.setattr(urllib.request, "getproxies_environment", getproxies_environment)
    for module in (urllib.request, botocore.utils):
        if getattr(module, "getproxies", None) is original:
            patcher.setattr(module, "getproxies", getproxies_environment)
