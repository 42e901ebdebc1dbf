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
HTTP, so the same handler serves clients under ``mock_aws()`` (moto's stubber answers later,
at ``before-send``) and clients pointed at an in-process ``ThreadedMotoServer``. The handler
raises ``EndpointConnectionError`` for unreachable regions and for a served API outside its
endpoint regions (Global Accelerator outside us-west-2), returns injected faults, and hands
the APIs a service serves in full (``Service.serves``) to that service. Anything else falls
through to moto.

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
from botocore.exceptions import EndpointConnectionError
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
from .clock import Clock, make_clock
from .faults import effective_region
from .latency import LatencyModel

if TYPE_CHECKING:
    from botocore.awsrequest import AWSResponse
    from botocore.model import OperationModel

__all__ = ["Emulator", "discover_services"]

LOG = logging.getLogger(__name__)

_INSTALL_LOCK = threading.RLock()
_SEEN = "_emulator_before_call_seen"
_HANDLER_ID = "emulator-before-call"


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
    return emulator._on_call(
        kwargs["model"], kwargs.get("params") or {}, context or {}, kwargs.get("request_signer")
    )


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

    def __init__(self, clock: Clock, latency: LatencyModel) -> None:
        discover_services()
        super().__init__(clock, latency)
        self._served = {s.serves: s for s in self.services if s.serves is not None}
        base = world.Service.check_call
        self._checkers = [s for s in self.services if type(s).check_call is not base]
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

        ``clock=None`` picks ``ScaledClock(time_scale)`` for ``time_scale > 0`` and
        ``ManualClock()`` otherwise. Idempotent-safe: while an emulator is installed,
        ``install`` returns that same emulator and applies nothing twice (arguments of the
        second call are ignored, with a warning if they were given).
        """
        with _INSTALL_LOCK:
            installed = world.active()
            if isinstance(installed, Emulator):
                if clock is not None or latency is not None or time_scale:
                    LOG.warning("Emulator already installed; ignoring the new arguments")
                return installed
            emulator = cls(make_clock(clock, time_scale), latency or LatencyModel())
            emulator._install()
            world._set_active(emulator)
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
        for session in self._registered_sessions:
            session._session.unregister("before-call", _before_call, unique_id=_HANDLER_ID)
        self._registered_sessions.clear()

    def uninstall(self) -> None:
        """Remove every patch and hook. Clients created meanwhile stop seeing the emulator."""
        with _INSTALL_LOCK:
            if world.active() is self:
                world._set_active(None)
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
        if self.faults.is_unreachable(region):
            LOG.debug("%s.%s to unreachable %s", service, operation, region)
            raise EndpointConnectionError(endpoint_url=url)
        served = self._served.get(service)
        regions = served.endpoint_regions if served is not None else frozenset()
        if regions and client_region not in regions:
            # The API has no endpoint in this region: its hostname does not resolve.
            raise EndpointConnectionError(endpoint_url=url)
        try:
            for checker in self._checkers:
                checker.check_call(service, operation, params, region)
        except EmulatedServiceError as exc:
            return error_response(url, exc.code, exc.message, exc.status or 400)
        rule = self.faults.take(service, operation, region)
        if rule is not None:
            LOG.debug("injecting %s into %s.%s (%s)", rule.code, service, operation, region)
            return error_response(url, rule.code, rule.message, http_status_for(service, rule.code))
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
