"""The :class:`Emulator`: installs every patch and hook, and removes them again.

How calls are intercepted
-------------------------
One botocore ``before-call`` handler, :func:`_before_call`, sees every API call of every
boto3 client created after :meth:`Emulator.install`:

* it is appended to ``botocore.handlers.BUILTIN_HANDLERS`` (as moto does with its own
  ``before-send`` stubber), so every new botocore session registers it, and
* it is registered on ``boto3.DEFAULT_SESSION`` if that session already exists.

``before-call`` runs after botocore validated and serialised the request and before any
HTTP, so the same handler serves clients under ``mock_aws()`` (moto's stubber answers later,
at ``before-send``) and clients pointed at an in-process ``ThreadedMotoServer``. The handler
raises ``EndpointConnectionError`` for unreachable regions and for Global Accelerator
outside us-west-2, returns injected faults, and serves Global Accelerator itself. Anything
else falls through to moto.

What moto already serves (RDS, Route 53, ECS, Lambda, Step Functions) is patched inside moto
(responses and backends), so those patches work for both modes and for any client.

Clients created *before* ``install`` keep the handler list they were born with: create
clients after installing (moto has the same rule).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from typing import TYPE_CHECKING, Any, cast

import boto3
from botocore.exceptions import EndpointConnectionError
from botocore.handlers import BUILTIN_HANDLERS

from . import _speed, lambda_runtime, sfn_fixes, sfn_time
from ._patching import Patcher
from ._service_model import EmulatedServiceError, error_response, http_status_for, success_response
from .clock import Clock, ManualClock, ModelledClock, ScaledClock
from .ecs import EcsRollouts
from .faults import Faults, effective_region
from .globalaccelerator import GA_REGION, GlobalAcceleratorBackend, parse_json_body
from .latency import LatencyModel
from .monitoring import Monitoring
from .rds import AuroraGlobalFailover
from .route53 import Route53HealthStatus

if TYPE_CHECKING:
    from botocore.awsrequest import AWSResponse
    from botocore.model import OperationModel

__all__ = ["Emulator", "active"]

LOG = logging.getLogger(__name__)

_INSTALL_LOCK = threading.RLock()
_ACTIVE: Emulator | None = None
_SEEN = "_emulator_before_call_seen"
_HANDLER_ID = "emulator-before-call"
_DEFAULT_ACCOUNT = "123456789012"


def active() -> Emulator | None:
    """The installed emulator, or None."""
    return _ACTIVE


def _before_call(**kwargs: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
    """botocore ``before-call`` handler for every service (module-level: stable identity)."""
    emulator = _ACTIVE
    if emulator is None:
        return None
    context = kwargs.get("context")
    if isinstance(context, dict):
        # Registered both via BUILTIN_HANDLERS and on the default session: act once per call.
        if context.get(_SEEN):
            return None
        context[_SEEN] = True
    return emulator._on_call(
        kwargs["model"], kwargs.get("params") or {}, context or {}, kwargs.get("request_signer")
    )


def _account_id(request_signer: Any) -> str:
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    access_key = None
    credentials = getattr(request_signer, "_credentials", None)
    if credentials is not None:
        access_key = credentials.get_frozen_credentials().access_key
    if not access_key:
        return _DEFAULT_ACCOUNT
    try:
        from moto.iam.models import get_account_id_from

        return str(get_account_id_from(access_key))
    except ImportError:  # pragma: no cover - moto is a dev dependency
        return _DEFAULT_ACCOUNT


class Emulator:
    """Makes moto faithful where it is not. See the package docstring for the API."""

    def __init__(
        self,
        clock: Clock | None = None,
        latency: LatencyModel | None = None,
        time_scale: float = 0.0,
    ) -> None:
        if time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        if clock is None:
            clock = ScaledClock(time_scale) if time_scale > 0 else ManualClock()
        elif isinstance(clock, ScaledClock | ModelledClock):
            if time_scale and time_scale != clock.time_scale:
                name = type(clock).__name__
                raise ValueError(f"a {name} carries its own time_scale; they differ")
            time_scale = clock.time_scale
        self.clock: Clock = clock
        self.latency = latency if latency is not None else LatencyModel()
        self.time_scale = float(time_scale)
        self.faults = Faults()
        self.globalaccelerator = GlobalAcceleratorBackend(self)
        self.rds = AuroraGlobalFailover(self)
        self.route53 = Route53HealthStatus(self)
        self.ecs = EcsRollouts(self)
        self.monitoring = Monitoring(self)
        self._epoch = dt.datetime.now(dt.UTC)
        self._patcher = Patcher()
        self._registered_sessions: list[Any] = []
        self._installed = False

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def install(
        cls,
        clock: Clock | None = None,
        latency: LatencyModel | None = None,
        time_scale: float = 0.0,
    ) -> Emulator:
        """Install the emulator (call inside an active ``mock_aws()``, or with a server).

        Idempotent-safe: while an emulator is installed, ``install`` returns that same
        emulator and applies nothing twice (arguments of the second call are ignored, with
        a warning if they were given).
        """
        global _ACTIVE
        with _INSTALL_LOCK:
            if _ACTIVE is not None:
                if clock is not None or latency is not None or time_scale:
                    LOG.warning("Emulator already installed; ignoring the new arguments")
                return _ACTIVE
            emulator = cls(clock=clock, latency=latency, time_scale=time_scale)
            emulator._install()
            _ACTIVE = emulator
            return emulator

    def _install(self) -> None:
        BUILTIN_HANDLERS.append(("before-call", _before_call))
        session = boto3.DEFAULT_SESSION
        if session is not None:
            session._session.register(
                "before-call", cast("Any", _before_call), unique_id=_HANDLER_ID
            )
            self._registered_sessions.append(session)
        try:
            self.rds.install(self._patcher)
            self.route53.install(self._patcher)
            self.ecs.install(self._patcher)
            self.monitoring.install(self._patcher)
            lambda_runtime.install(self._patcher)
            sfn_time.install(self._patcher)
            sfn_fixes.install(self._patcher)
            _speed.install(self._patcher)
        except Exception:
            self._patcher.undo_all()
            self._remove_handlers()
            raise
        self._installed = True
        LOG.debug("emulator installed (clock=%r, time_scale=%s)", self.clock, self.time_scale)

    def _remove_handlers(self) -> None:
        while ("before-call", _before_call) in BUILTIN_HANDLERS:
            BUILTIN_HANDLERS.remove(("before-call", _before_call))
        for session in self._registered_sessions:
            session._session.unregister("before-call", _before_call, unique_id=_HANDLER_ID)
        self._registered_sessions.clear()

    def uninstall(self) -> None:
        """Remove every patch and hook. Clients created meanwhile stop seeing the emulator."""
        global _ACTIVE
        with _INSTALL_LOCK:
            if _ACTIVE is self:
                _ACTIVE = None
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

    # -------------------------------------------------------------------- time

    def utcnow(self) -> dt.datetime:
        """The modelled wall-clock time: install time + ``clock.now()`` seconds (UTC)."""
        return self._epoch + dt.timedelta(seconds=self.clock.now())

    def wait(self, seconds: float, interrupt: threading.Event | None = None) -> None:
        """Let ``seconds`` of modelled time pass: advance the clock and, with a real
        ``time_scale``, really wait ``seconds * time_scale`` (interruptible by ``interrupt``)."""
        self.clock.sleep(seconds, interrupt)
        if isinstance(self.clock, ManualClock) and self.time_scale > 0:
            real = seconds * self.time_scale
            if interrupt is not None:
                interrupt.wait(real)
            else:
                threading.Event().wait(real)

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
        if self.faults.is_unreachable(region):
            LOG.debug("%s.%s to unreachable %s", service, operation, region)
            raise EndpointConnectionError(endpoint_url=url)
        if service == "globalaccelerator" and client_region != GA_REGION:
            # The GA API has endpoints only in us-west-2: this hostname does not resolve.
            raise EndpointConnectionError(endpoint_url=url)
        rule = self.faults.take(service, operation, region)
        if rule is not None:
            LOG.debug("injecting %s into %s.%s (%s)", rule.code, service, operation, region)
            return error_response(url, rule.code, rule.message, http_status_for(service, rule.code))
        if service == "globalaccelerator":
            return self._serve_globalaccelerator(operation, params, request_signer, url)
        return None

    def _serve_globalaccelerator(
        self, operation: str, params: dict[str, Any], request_signer: Any, url: str
    ) -> tuple[AWSResponse, dict[str, Any]]:
        try:
            body = self.globalaccelerator.handle(
                operation, parse_json_body(params.get("body")), _account_id(request_signer)
            )
        except EmulatedServiceError as exc:
            status = exc.status or http_status_for("globalaccelerator", exc.code)
            return error_response(url, exc.code, exc.message, status)
        return success_response(url, body)
