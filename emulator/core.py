"""The :class:`Emulator`: a :class:`~emulator.world.World` that installs every service's patches
and hooks, and removes them again.

Services are found, not listed: every module of :mod:`emulator.services` is imported, and
each registers its service with the world (:func:`emulator.world.register`).

How calls are intercepted
-------------------------
One botocore ``before-call`` handler, :func:`_before_call`, sees every API call of every
boto3 client created after :meth:`Emulator.install`:

* it is appended to ``botocore.handlers.BUILTIN_HANDLERS`` (as moto does with its own
  ``before-send`` stubber), so every new botocore session registers it, and
* it is registered on ``boto3.DEFAULT_SESSION`` if that session already exists.

``before-call`` runs after botocore validated and serialised the request and before any
HTTP, so it serves clients under ``mock_aws()`` (moto's stubber answers later, at
``before-send``, on the calling thread). The handler:

* on an actor thread (:mod:`emulator.clock`), charges the call's modelled latency
  (``latency.api_call``) before it lands, so a handler's calls and the state machine's native
  integrations (a DynamoDB ``putItem``) cost modelled time; external code's calls cost none;
  a call that leaves its caller's region (a Lambda function's ``AWS_REGION``, a Task
  integration's state machine Region: :func:`emulator.faults.caller_region`) for an endpoint
  in another (:func:`emulator.faults.effective_region`: global services are us-east-1) pays
  the pair's round trip on top (``latency.cross_region_round_trip_seconds``); test code has
  no caller region and pays none;
* raises ``EndpointConnectionError`` for unreachable regions (after the client's connect
  timeout times its attempts, on an actor), for any call *from* a cut-off region to another
  (a region cut off from the others reaches none of them), and for a served API outside its
  endpoint regions (Global Accelerator outside us-west-2), emitting the client's
  ``after-call-error`` first as botocore does for an error while sending;
* applies slow faults (the call lands late; past the client's read timeout the caller gets
  ``ReadTimeoutError`` and each attempt lands on its own, from an actor of its own);
* returns injected faults, and hands the APIs a service serves in full (``Service.serves``)
  to that service. Anything else falls through to moto.

A ``before-parameter-build`` handler keeps each call's API parameters in its request context,
for a late landing to replay them.

What moto already serves (RDS, Route 53, ECS, Lambda, Step Functions) is patched inside moto
(responses and backends), so those patches work for both modes and for any client.

Clients created *before* ``install`` keep the handler list they were born with: create
clients after installing (moto has the same rule).
"""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
import threading
from typing import TYPE_CHECKING, Any, cast

import boto3
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from botocore.handlers import BUILTIN_HANDLERS

from . import _speed, services, world
from ._patching import Patcher
from ._service_model import (
    EmulatedServiceError,
    error_response,
    http_status_for,
    parse_json_body,
    success_response,
)
from .clock import ActorThread, VirtualClock, activate
from .faults import UNREACHABLE, caller_region, callers, code_for, effective_region
from .latency import LatencyModel

if TYPE_CHECKING:
    from botocore.awsrequest import AWSResponse
    from botocore.model import OperationModel

__all__ = ["Emulator", "discover_services"]

LOG = logging.getLogger(__name__)

_INSTALL_LOCK = threading.RLock()
_SEEN = "_emulator_before_call_seen"
_PARAMS = "_emulator_api_params"
_HANDLER_ID = "emulator-before-call"
_PARAMS_HANDLER_ID = "emulator-api-params"
_LANDING = threading.local()  # .active: this thread replays a late call (no latency, no faults)

# botocore's default attempts per call when the client names none (botocore/data/_retry.json
# for "legacy", botocore/retries/standard.py for "standard" and "adaptive").
_DEFAULT_ATTEMPTS = {"legacy": 5, "standard": 3, "adaptive": 3}
_DEFAULT_ATTEMPTS_BY_SERVICE = {("legacy", "dynamodb"): 10, ("standard", "dynamodb"): 4}


def attempts_of(config: Any, service: str) -> int:
    """How many times a botocore client with ``config`` sends one call (first try + retries)."""
    retries = dict(getattr(config, "retries", None) or {})
    if "total_max_attempts" in retries:
        return max(int(retries["total_max_attempts"]), 1)
    if "max_attempts" in retries:  # the client config's max_attempts counts retries
        return max(int(retries["max_attempts"]) + 1, 1)
    mode = str(retries.get("mode") or os.environ.get("AWS_RETRY_MODE") or "legacy")
    configured = os.environ.get("AWS_MAX_ATTEMPTS")
    if configured:
        return max(int(configured), 1)
    return _DEFAULT_ATTEMPTS_BY_SERVICE.get((mode, service), _DEFAULT_ATTEMPTS.get(mode, 3))


_NO_TIMEOUT = 1e6  # moto's interpreter clients say 99999999 s: no timeout at all


def _timeout_of(config: Any, name: str) -> float | None:
    """The client's connect or read timeout in seconds; None when it has none (moto's
    Step Functions interpreter clients)."""
    value = getattr(config, name, None)
    if value is None:
        return 60.0  # botocore's default: 60 s each
    return None if float(value) >= _NO_TIMEOUT else float(value)


def discover_services() -> None:
    """Import every module of :mod:`emulator.services`: each registers its service."""
    for module in pkgutil.iter_modules(services.__path__):
        importlib.import_module(f"{services.__name__}.{module.name}")


def _before_call(**kwargs: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
    """botocore ``before-call`` handler for every service (module-level: stable identity)."""
    emulator = world.active()
    if not isinstance(emulator, Emulator):
        return None
    context = kwargs.get("context")
    if isinstance(context, dict):
        # Registered both via BUILTIN_HANDLERS and on the default session: act once per call.
        if context.get(_SEEN):
            return None
        context[_SEEN] = True
    model, signer = kwargs["model"], kwargs.get("request_signer")
    try:
        return emulator._on_call(model, kwargs.get("params") or {}, context or {}, signer)
    except (EndpointConnectionError, ReadTimeoutError) as error:
        # On AWS these are raised while sending (botocore's ``client._make_request``), which
        # emits ``after-call-error`` for the client's own handlers first; raised here, at
        # before-call, botocore would not: emit it as the client does.
        emitter = getattr(signer, "_event_emitter", None)
        if emitter is not None:
            service_id = model.service_model.service_id.hyphenize()
            emitter.emit(
                f"after-call-error.{service_id}.{model.name}", exception=error, context=context
            )
        raise


def _keep_api_params(**kwargs: Any) -> None:
    """botocore ``before-parameter-build``: remember the call's parameters (late landings)."""
    context = kwargs.get("context")
    if isinstance(context, dict):
        context[_PARAMS] = kwargs.get("params")


def _account_id(request_signer: Any) -> str:
    """The account of the caller's credentials, as moto derives it from the access key."""
    credentials = getattr(request_signer, "_credentials", None)
    access_key = (
        credentials.get_frozen_credentials().access_key if credentials is not None else None
    )
    if "MOTO_ACCOUNT_ID" in os.environ or not access_key:
        return world.default_account()
    from moto.iam.models import get_account_id_from

    return str(get_account_id_from(access_key))


class Emulator(world.World):
    """Makes moto faithful where it is not. See the package docstring for the API."""

    def __init__(self, clock: VirtualClock, latency: LatencyModel) -> None:
        discover_services()
        super().__init__(clock, latency)
        self._served = {s.serves: s for s in self.services if s.serves is not None}
        base = world.Service.check_call
        self._checkers = [s for s in self.services if type(s).check_call is not base]
        self._patcher = Patcher()
        self._registered_sessions: list[Any] = []
        self._installed = False
        self._landing_clients: dict[tuple[str, str], Any] = {}
        self._landing_lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle

    def patched_modules(self) -> set[str]:
        """The modules (moto's, botocore's, the product's...) the installed patches touch."""
        return self._patcher.patched_modules()

    @classmethod
    def install(
        cls,
        clock: VirtualClock | None = None,
        latency: LatencyModel | None = None,
        time_scale: float = 0.0,
    ) -> Emulator:
        """Install the emulator (call inside an active ``mock_aws()``).

        ``clock=None`` makes a :class:`~emulator.clock.VirtualClock` with ``time_scale``; a
        given clock carries its own. Idempotent-safe: while an emulator is installed,
        ``install`` returns that same emulator and applies nothing twice (arguments of the
        second call are ignored, with a warning if they were given).
        """
        if time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        with _INSTALL_LOCK:
            installed = world.active()
            if isinstance(installed, Emulator):
                if clock is not None or latency is not None or time_scale:
                    LOG.warning("Emulator already installed; ignoring the new arguments")
                return installed
            if clock is not None and time_scale and time_scale != clock.time_scale:
                raise ValueError(
                    f"the clock carries its own time_scale ({clock.time_scale}); they differ"
                )
            emulator = cls(clock or VirtualClock(time_scale), latency or LatencyModel())
            activate(emulator.clock)
            try:
                emulator._install()
            except BaseException:
                activate(None)
                raise
            world._set_active(emulator)
            return emulator

    def _install(self) -> None:
        BUILTIN_HANDLERS.append(("before-call", _before_call))
        BUILTIN_HANDLERS.append(("before-parameter-build", _keep_api_params))
        session = boto3.DEFAULT_SESSION
        if session is not None:
            session._session.register(
                "before-call", cast("Any", _before_call), unique_id=_HANDLER_ID
            )
            session._session.register(
                "before-parameter-build",
                cast("Any", _keep_api_params),
                unique_id=_PARAMS_HANDLER_ID,
            )
            self._registered_sessions.append(session)
        try:
            for service in self.services:
                service.install(self._patcher)
            _speed.install(self._patcher)
        except Exception:
            self._patcher.undo_all()
            self._remove_handlers()
            raise
        self._installed = True
        LOG.debug("emulator installed (clock=%r)", self.clock)

    def _remove_handlers(self) -> None:
        while ("before-call", _before_call) in BUILTIN_HANDLERS:
            BUILTIN_HANDLERS.remove(("before-call", _before_call))
        while ("before-parameter-build", _keep_api_params) in BUILTIN_HANDLERS:
            BUILTIN_HANDLERS.remove(("before-parameter-build", _keep_api_params))
        for session in self._registered_sessions:
            session._session.unregister("before-call", _before_call, unique_id=_HANDLER_ID)
            session._session.unregister(
                "before-parameter-build", _keep_api_params, unique_id=_PARAMS_HANDLER_ID
            )
        self._registered_sessions.clear()

    def uninstall(self) -> None:
        """Remove every patch and hook and stop modelled time (the world actor ends, actors
        still waiting stay idle for good). Clients created meanwhile stop seeing the
        emulator."""
        with _INSTALL_LOCK:
            if self._installed:
                try:
                    self.stop_world()
                except Exception:
                    LOG.exception("stopping the world actor failed")
            if world.active() is self:
                world._set_active(None)
            self.clock.close()
            from .clock import active_clock

            if active_clock() is self.clock:
                activate(None)
            if not self._installed:
                return
            self._patcher.undo_all()
            self._remove_handlers()
            self._installed = False
            LOG.debug("emulator uninstalled")

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

    # ------------------------------------------------------------- interception

    def _on_call(
        self,
        model: OperationModel,
        params: dict[str, Any],
        context: dict[str, Any],
        request_signer: Any,
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        service = model.service_model.service_name
        operation = model.name
        client_region = context.get("client_region")
        region = effective_region(service, client_region)
        url = str(params.get("url", ""))
        if getattr(_LANDING, "active", False):
            return None  # a late call landing now: it was charged and faulted when sent
        actor = self.clock.is_actor()
        config = context.get("client_config")
        by = callers()
        rule = self.faults.take(service, operation, region, by)
        origin = caller_region()
        if origin is not None and origin != region and self.faults.is_unreachable(origin):
            # The caller's own region is cut off: it reaches no other region either (the
            # connection cannot leave it). Its calls into its own region take the branches below.
            LOG.debug("%s.%s from cut-off %s to %s", service, operation, origin, region)
            self._refuse(service, config, actor)
            raise EndpointConnectionError(endpoint_url=url)
        # A hanging service (a brownout: the connection opens, no answer comes) is the more
        # specific fault: it holds even in a region whose other APIs refuse.
        if self.faults.is_hanging(service, region):
            LOG.debug("%s.%s to %s hangs", service, operation, region)
            if actor:
                read = _timeout_of(config, "read_timeout")
                self.clock.sleep((60.0 if read is None else read) * attempts_of(config, service))
            raise ReadTimeoutError(endpoint_url=url)
        if self.faults.is_unreachable(region) or (rule is not None and rule.code == UNREACHABLE):
            LOG.debug("%s.%s to unreachable %s", service, operation, region)
            self._refuse(service, config, actor)
            raise EndpointConnectionError(endpoint_url=url)
        served = self._served.get(service)
        regions = served.endpoint_regions if served is not None else frozenset()
        if regions and client_region not in regions:
            # The API has no endpoint in this region: its hostname does not resolve.
            raise EndpointConnectionError(endpoint_url=url)
        if actor:
            # A call from another region pays the network round trip there and back on top.
            far = (
                0.0
                if origin is None
                else self.latency.cross_region_round_trip_seconds(origin, region)
            )
            self.clock.sleep(self.latency.api_call(service) + far)
            late = self.faults.take_slow(service, operation, region)
            if late is not None:
                self._late(service, operation, client_region, context, late, url)
        try:
            for checker in self._checkers:
                checker.check_call(service, operation, params, region)
        except EmulatedServiceError as exc:
            return error_response(url, exc.code, exc.message, exc.status or 400)
        if rule is not None:
            LOG.debug("injecting %s into %s.%s (%s)", rule.code, service, operation, region)
            code = code_for(rule.code, service)
            return error_response(url, code, rule.message, http_status_for(service, code))
        if served is None:
            return None
        try:
            body = served.handle(
                operation, parse_json_body(params.get("body")), _account_id(request_signer)
            )
        except EmulatedServiceError as exc:
            status = exc.status or http_status_for(service, exc.code)
            return error_response(url, exc.code, exc.message, status)
        return success_response(url, body)

    # ------------------------------------------------------------------- late landings

    def _refuse(self, service: str, config: Any, actor: bool) -> None:
        """A connection that cannot be made: on an actor, wait the client's connect timeout
        times its attempts first (Step Functions' own client for a state machine's
        integration)."""
        if not actor:
            return
        connect = _timeout_of(config, "connect_timeout")
        if connect is None:  # a state machine's integration: Step Functions' client
            connect = self.latency.sfn_integration_connect_timeout_seconds
        self.clock.sleep(connect * attempts_of(config, service))

    def _late(
        self,
        service: str,
        operation: str,
        client_region: str | None,
        context: dict[str, Any],
        seconds: float,
        url: str,
    ) -> None:
        """A slow call (on an actor): wait for it, or give up at the read timeout."""
        config = context.get("client_config")
        read_timeout = _timeout_of(config, "read_timeout")
        if read_timeout is None or seconds <= read_timeout:
            self.clock.sleep(seconds)  # then moto processes it: it lands now
            return
        params = context.get(_PARAMS)
        for _ in range(attempts_of(config, service)):
            if params is not None:
                self._land_later(service, operation, client_region, dict(params), seconds)
            self.clock.sleep(read_timeout)
        raise ReadTimeoutError(endpoint_url=url)

    def _land_later(
        self,
        service: str,
        operation: str,
        region: str | None,
        params: dict[str, Any],
        seconds: float,
    ) -> None:
        """Process a copy of the call ``seconds`` from now, on an actor of its own."""

        def land() -> None:
            self.clock.sleep(seconds)
            _LANDING.active = True
            try:
                client = self._landing_client(service, region or "us-east-1")
                from botocore import xform_name

                getattr(client, xform_name(operation))(**params)
            except Exception:
                LOG.info("a late %s.%s landed with an error", service, operation, exc_info=True)
            finally:
                _LANDING.active = False

        ActorThread(target=land, name=f"late-{service}.{operation}", daemon=True).start()

    def _landing_client(self, service: str, region: str) -> Any:
        with self._landing_lock:
            key = (service, region)
            found = self._landing_clients.get(key)
            if found is None:
                found = boto3.session.Session().client(  # type: ignore[call-overload]
                    service, region_name=region, config=Config(retries={"total_max_attempts": 1})
                )
                self._landing_clients[key] = found
            return found
