"""AWS Global Accelerator (standard accelerators), emulated: moto has no GA.

Only what the project calls is emulated:

* the product: DescribeEndpointGroup, UpdateEndpointGroup (the traffic dials, endpoint
  health for the quorum, preflight and verify);
* the local estate: CreateAccelerator, CreateListener, CreateEndpointGroup;
* reads a readiness check needs: DescribeAccelerator, ListListeners, ListEndpointGroups.

Any other GA operation raises :class:`NotEmulated`, naming it: it never falls through to moto
(which has no GA) nor answers something made up.

How it is served
----------------
GA calls never reach moto. The emulator's ``before-call`` handler (``emulator.core``) parses
the JSON body botocore serialised and hands it to :meth:`GlobalAccelerator.handle`, whose
answer goes straight back to the client. This works the same under ``mock_aws()`` and with
clients pointed at an in-process ``ThreadedMotoServer``. The GA API is served only from
us-west-2: a client in any other region raises ``EndpointConnectionError``, as on AWS.

Faithfulness
------------
* Requests are validated against botocore's input shape (plus the maximums and enums only
  the service checks) and fail with ``InvalidArgumentException``.
* ARNs: ``arn:aws:globalaccelerator::ACCOUNT:accelerator/UUID/listener/ID/endpoint-group/ID``.
* Errors are the modelled ones (AcceleratorNotFoundException, ListenerNotFoundException,
  EndpointGroupNotFoundException, EndpointGroupAlreadyExistsException,
  InvalidPortRangeException, InvalidNextTokenException, LimitExceededException,
  InvalidArgumentException), with the model's own error descriptions as messages.
* Every response is checked against the output shape (only its members, datetimes for
  timestamps, as botocore would parse them).
* The data plane (:meth:`GlobalAccelerator.landing_groups`, :meth:`~GlobalAccelerator.
  landing_shares`, :meth:`~GlobalAccelerator.landing_group`): where a new connection from a
  client lands, by the client's location, the dials and endpoint health (below).
* Modelled time (``world.clock``): an accelerator is ``IN_PROGRESS`` for
  ``latency.ga_deploy_seconds`` after each change, then ``DEPLOYED``. An endpoint is
  ``INITIAL`` for ``HealthCheckIntervalSeconds * ThresholdCount`` after it is added, then
  ``HEALTHY``, unless :meth:`GlobalAccelerator.set_endpoint_health` overrides it (a test, or
  the emulated health checks of :mod:`emulator.services.health_checkers`).

Routing a client (the data plane)
---------------------------------
What AWS documents, and how it is modelled for a client near a Region (``client``: a Region
name; nearness is great-circle distance between the Regions' cities,
:func:`failover.geography.distance_km`, a proxy for network distance):

* "Global Accelerator directs traffic to endpoint groups in standard accelerators based on
  the location of the client and the health of the endpoint group. ... The percentage [the
  traffic dial] is applied only to the traffic that Global Accelerator is already directing to
  the endpoint group, not all traffic coming to a listener."
  (https://docs.aws.amazon.com/global-accelerator/latest/dg/about-endpoint-groups.html)
  Modelled: the candidates are the groups with a dial above 0 and a healthy endpoint of weight
  above 0, nearest first; the nearest keeps its dial's share of the client's new connections,
  the rest goes on to the next nearest candidate, and the last candidate takes what is left.
  AWS's own two-Region example (both dials at 50: "The first 25 requests on each coast ...
  are served from their nearby endpoint group ... The next 50 requests are directed to the
  opposite Regions", https://docs.aws.amazon.com/global-accelerator/latest/dg/about-endpoint-groups-traffic-dial.html)
  is exactly this; how a share is split over three or more dialled groups is not documented
  (this chain is an assumption). A dial of 100 on the nearest candidate takes it all: the
  client goes to the *nearest* healthy dialled group, never to "the next in priority".
* "If there are no healthy endpoints in an endpoint group that have a weight greater than
  zero, Global Accelerator tries to fail over to a healthy endpoint with a weight greater than
  zero in another endpoint group ... Global Accelerator ignores the traffic dial setting ...
  If Global Accelerator doesn't find a healthy endpoint with a weight greater than zero after
  trying the three closest endpoint groups (that is, AWS Regions), it routes traffic to a
  random endpoint in the endpoint group that is closest to the client. That is, it fails open."
  (https://docs.aws.amazon.com/global-accelerator/latest/dg/about-endpoints-endpoint-weights.unhealthy-endpoints.html)
  Modelled: with no candidate above, the client lands in the nearest healthy group among the
  three closest to it, whatever their dials; with none of those healthy, in the closest group
  (fail open), even if a fourth, farther group is healthy.
* Every dial at 0 is not documented: modelled as "no dialled candidate", the failover above
  (an assumption, the availability-first reading of the failover page).
* Recovery: "routing will start back to healthy endpoints with traffic dials that aren't set
  to zero in about 30 seconds or so ... established active connections are not moved" (same
  page). Only new connections are modelled; the ~30 s is not (health changes apply at once,
  after ``latency.ga_alb_health_seconds`` where the health checkers model it).
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import itertools
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from failover import geography

from .._service_model import (
    EmulatedServiceError,
    check_response_shape,
    operation_model,
    service_model,
    validation_problems,
)
from ..world import Service, register

if TYPE_CHECKING:
    import datetime as dt

    from ..world import World

__all__ = ["GA_REGION", "GlobalAccelerator", "NotEmulated"]

SERVICE = "globalaccelerator"
GA_REGION = "us-west-2"

_NAME_RE = re.compile(r"^(?![-.])[A-Za-z0-9.-]{1,64}(?<![-.])$")
_ACCEL_RE = re.compile(r"^arn:aws:globalaccelerator::(\d{12}):accelerator/([0-9a-f-]{36})$")
_LISTENER_RE = re.compile(
    r"^(arn:aws:globalaccelerator::\d{12}:accelerator/[0-9a-f-]{36})/listener/([0-9a-z]+)$"
)
_EG_RE = re.compile(
    r"^(arn:aws:globalaccelerator::\d{12}:accelerator/[0-9a-f-]{36}/listener/[0-9a-z]+)"
    r"/endpoint-group/([0-9a-z]+)$"
)
_ELB_ARN_RE = re.compile(
    r"^arn:aws:elasticloadbalancing:([a-z0-9-]+):\d{12}:loadbalancer/(app|net)/"
)
_EIP_RE = re.compile(r"^eipalloc-[0-9a-f]+$")
_EC2_RE = re.compile(r"^i-[0-9a-f]+$")
_PATH_RE = re.compile(r"^/[-a-zA-Z0-9@:%_\\+.~#?&/=]*$")

_DEFAULT_WEIGHT = 128
#: "after trying the three closest endpoint groups (that is, AWS Regions)" (failover page).
_FAILOVER_TRIES = 3
_MAX_ACCELERATORS = 20  # default quota "Accelerators per account"


class NotEmulated(NotImplementedError):
    """A GA operation (or parameter) the emulator does not serve."""


def _err(code: str) -> EmulatedServiceError:
    """The modelled error ``code`` with the model's own description as its message."""
    for shape in service_model(SERVICE).error_shapes:
        if shape.name == code:
            return EmulatedServiceError(code, re.sub(r"<[^>]+>", "", shape.documentation).strip())
    return EmulatedServiceError(code, code)


def _invalid(message: str) -> EmulatedServiceError:
    return EmulatedServiceError("InvalidArgumentException", message)


@functools.cache
def _valid_regions() -> frozenset[str]:
    return frozenset(boto3.session.Session().get_available_regions("ec2"))


@dataclass
class _Endpoint:
    endpoint_id: str
    weight: int
    client_ip_preservation: bool
    added_at: float


@dataclass
class _EndpointGroup:
    arn: str
    region: str
    endpoints: list[_Endpoint]
    traffic_dial: float
    health_check_port: int
    health_check_protocol: str
    health_check_path: str | None
    health_check_interval: int
    threshold_count: int
    port_overrides: list[dict[str, int]]
    health_override: bool | None = None
    health_reason: str = "Failed"


@dataclass
class _Listener:
    arn: str
    port_ranges: list[dict[str, int]]
    protocol: str
    client_affinity: str
    endpoint_groups: dict[str, _EndpointGroup] = field(default_factory=dict)


@dataclass
class _Accelerator:
    arn: str
    name: str
    ip_address_type: str
    enabled: bool
    ip_sets: list[dict[str, Any]]
    dns_name: str
    dual_stack_dns_name: str | None
    created: dt.datetime
    deployed_at: float
    listeners: dict[str, _Listener] = field(default_factory=dict)


@dataclass
class _Account:
    account_id: str
    accelerators: dict[str, _Accelerator] = field(default_factory=dict)


_Handler = Callable[["GlobalAccelerator", Mapping[str, Any], _Account], dict[str, Any]]
_OPERATIONS: dict[str, _Handler] = {}


def _operation(name: str) -> Callable[[_Handler], _Handler]:
    """Declare the handler of the GA operation ``name``."""

    def declare(handler: _Handler) -> _Handler:
        _OPERATIONS[name] = handler
        return handler

    return declare


@register
class GlobalAccelerator(Service):
    """The GA state for every account, and the API served from it (``world.globalaccelerator``)."""

    name = "globalaccelerator"
    serves = SERVICE
    endpoint_regions = frozenset({GA_REGION})

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self._accounts: dict[str, _Account] = {}
        self._created = 0

    # ------------------------------------------------------------------ test-facing API

    def set_endpoint_health(
        self, endpoint_group_arn: str, healthy: bool, reason: str | None = None
    ) -> None:
        """Make every endpoint of the group report HEALTHY, or UNHEALTHY with ``reason``
        as HealthReason ("Failed" or "Timeout", the documented reason codes)."""
        with self._lock:
            group = next((g for g in self._groups() if g.arn == endpoint_group_arn), None)
            if group is None:
                raise KeyError(f"no endpoint group {endpoint_group_arn}")
            group.health_override = bool(healthy)
            group.health_reason = reason or "Failed"

    def landing_groups(
        self, accelerator_arn: str | None = None, client: str | None = None
    ) -> list[str]:
        """The data plane: the endpoint groups a new connection may land in now (ARNs).

        ``client`` (a Region name: a client near that Region) given: the groups that take a
        share of that client's new connections (:meth:`landing_shares`), nearest first.

        Without ``client`` (any client, wherever it is): the groups with a dial above 0 and a
        healthy endpoint of weight above 0; if none, the groups with such an endpoint whatever
        their dial (failover ignores the dial); if none, every group (GA fails open). Only
        new connections: established ones stay where they are."""
        if client is not None:
            return list(self.landing_shares(accelerator_arn, client))
        with self._lock:
            groups = self._accelerator_groups(accelerator_arn)
            dialled = [g.arn for g in groups if g.traffic_dial > 0 and self._healthy(g)]
            failover = [g.arn for g in groups if self._healthy(g)]
            return dialled or failover or [g.arn for g in groups]

    def landing_shares(self, accelerator_arn: str | None, client: str) -> dict[str, float]:
        """The share of new connections from a client near Region ``client`` that each
        endpoint group (ARN) takes now, nearest first (shares sum to 1 per listener; groups
        with no share are left out). The rules and their sources: the module docstring,
        "Routing a client". An unknown Region is a ``ConfigurationError`` (no location)."""
        with self._lock:
            shares: dict[str, float] = {}
            for listener in self._listeners(accelerator_arn):
                shares.update(self._client_shares(list(listener.endpoint_groups.values()), client))
            return shares

    def landing_group(self, accelerator_arn: str | None, client: str) -> str | None:
        """The endpoint group (ARN) that takes the largest share of a client's new
        connections (the nearest one on a tie); None if the accelerator has no group."""
        shares = self.landing_shares(accelerator_arn, client)
        if not shares:
            return None
        return max(shares, key=lambda arn: shares[arn])  # dicts keep nearest-first order

    def _client_shares(self, groups: list[_EndpointGroup], client: str) -> dict[str, float]:
        by_distance = sorted(groups, key=lambda g: (geography.distance_km(client, g.region), g.arn))
        candidates = [g for g in by_distance if g.traffic_dial > 0 and self._healthy(g)]
        if candidates:
            shares: dict[str, float] = {}
            remaining = 1.0
            for group in candidates[:-1]:
                taken = remaining * min(group.traffic_dial, 100.0) / 100.0
                if taken > 0:
                    shares[group.arn] = taken
                remaining -= taken
            if remaining > 1e-9:  # not float dust left by a dial of 100
                shares[candidates[-1].arn] = remaining
            return shares
        # no healthy dialled group: fail over, dials ignored, among the three closest groups
        tried = by_distance[:_FAILOVER_TRIES]
        healthy = next((g for g in tried if self._healthy(g)), None)
        if healthy is not None:
            return {healthy.arn: 1.0}
        return {by_distance[0].arn: 1.0} if by_distance else {}  # fail open: the closest

    def _healthy(self, group: _EndpointGroup) -> bool:
        """The group has a healthy endpoint of weight above 0."""
        return any(
            e.weight > 0 and self._endpoint_view(group, e)["HealthState"] == "HEALTHY"
            for e in group.endpoints
        )

    def _listeners(self, accelerator_arn: str | None) -> list[_Listener]:
        return [
            listener
            for account in self._accounts.values()
            for acc in account.accelerators.values()
            if accelerator_arn is None or acc.arn == accelerator_arn
            for listener in acc.listeners.values()
        ]

    def _accelerator_groups(self, accelerator_arn: str | None) -> list[_EndpointGroup]:
        return [
            g
            for listener in self._listeners(accelerator_arn)
            for g in listener.endpoint_groups.values()
        ]

    @property
    def endpoint_groups(self) -> list[dict[str, Any]]:
        """Every endpoint group of every account, as DescribeEndpointGroup would show it."""
        with self._lock:
            return [self._group_view(group) for group in self._groups()]

    def _groups(self) -> list[_EndpointGroup]:
        return [
            group
            for account in self._accounts.values()
            for acc in account.accelerators.values()
            for listener in acc.listeners.values()
            for group in listener.endpoint_groups.values()
        ]

    # ---------------------------------------------------------------------- dispatching

    def handle(self, operation: str, params: Mapping[str, Any], account_id: str) -> dict[str, Any]:
        """Serve one GA API call. Raises :class:`EmulatedServiceError` for API errors and
        :class:`NotEmulated` for an operation the emulator does not serve."""
        handler = _OPERATIONS.get(operation)
        if handler is None:
            raise NotEmulated(
                f"Global Accelerator {operation} is not emulated; the emulator serves "
                f"{', '.join(sorted(_OPERATIONS))}"
            )
        problems = validation_problems(SERVICE, operation, params)
        if problems:
            raise _invalid(problems)
        with self._lock:
            account = self._accounts.setdefault(account_id, _Account(account_id))
            body = handler(self, params, account)
        check_response_shape(body, operation_model(SERVICE, operation).output_shape)
        return body

    # ------------------------------------------------------------------------ lookups

    @staticmethod
    def _accelerator(account: _Account, arn: str) -> _Accelerator:
        if not _ACCEL_RE.match(arn):
            raise _invalid(f"{arn} is not a valid accelerator ARN.")
        acc = account.accelerators.get(arn)
        if acc is None:
            raise _err("AcceleratorNotFoundException")
        return acc

    @staticmethod
    def _listener(account: _Account, arn: str) -> tuple[_Accelerator, _Listener]:
        match = _LISTENER_RE.match(arn)
        if not match:
            raise _invalid(f"{arn} is not a valid listener ARN.")
        acc = account.accelerators.get(match.group(1))
        listener = acc.listeners.get(arn) if acc else None
        if acc is None or listener is None:
            raise _err("ListenerNotFoundException")
        return acc, listener

    def _group(self, account: _Account, arn: str) -> tuple[_Accelerator, _EndpointGroup]:
        match = _EG_RE.match(arn)
        if not match:
            raise _invalid(f"{arn} is not a valid endpoint group ARN.")
        try:
            acc, listener = self._listener(account, match.group(1))
        except EmulatedServiceError:
            raise _err("EndpointGroupNotFoundException") from None
        group = listener.endpoint_groups.get(arn)
        if group is None:
            raise _err("EndpointGroupNotFoundException")
        return acc, group

    def _changed(self, acc: _Accelerator) -> None:
        acc.deployed_at = self.world.clock.now() + self.world.latency.ga_deploy_seconds

    # ---------------------------------------------------------------------- views

    def _accelerator_view(self, acc: _Accelerator) -> dict[str, Any]:
        deployed = self.world.clock.now() >= acc.deployed_at
        view: dict[str, Any] = {
            "AcceleratorArn": acc.arn,
            "Name": acc.name,
            "IpAddressType": acc.ip_address_type,
            "Enabled": acc.enabled,
            "IpSets": copy.deepcopy(acc.ip_sets),
            "DnsName": acc.dns_name,
            "Status": "DEPLOYED" if deployed else "IN_PROGRESS",
            "CreatedTime": acc.created,
            "LastModifiedTime": acc.created,
        }
        if acc.dual_stack_dns_name:
            view["DualStackDnsName"] = acc.dual_stack_dns_name
        return view

    @staticmethod
    def _listener_view(listener: _Listener) -> dict[str, Any]:
        return {
            "ListenerArn": listener.arn,
            "PortRanges": copy.deepcopy(listener.port_ranges),
            "Protocol": listener.protocol,
            "ClientAffinity": listener.client_affinity,
        }

    def _endpoint_view(self, group: _EndpointGroup, endpoint: _Endpoint) -> dict[str, Any]:
        view: dict[str, Any] = {
            "EndpointId": endpoint.endpoint_id,
            "Weight": endpoint.weight,
            "ClientIPPreservationEnabled": endpoint.client_ip_preservation,
        }
        checking_until = endpoint.added_at + group.health_check_interval * group.threshold_count
        if group.health_override is False:
            view["HealthState"] = "UNHEALTHY"
            view["HealthReason"] = group.health_reason
        elif group.health_override is None and self.world.clock.now() < checking_until:
            view["HealthState"] = "INITIAL"
            view["HealthReason"] = "InitialHealthChecking"
        else:
            view["HealthState"] = "HEALTHY"
        return view

    def _group_view(self, group: _EndpointGroup) -> dict[str, Any]:
        view: dict[str, Any] = {
            "EndpointGroupArn": group.arn,
            "EndpointGroupRegion": group.region,
            "EndpointDescriptions": [self._endpoint_view(group, e) for e in group.endpoints],
            "TrafficDialPercentage": float(group.traffic_dial),
            "HealthCheckPort": group.health_check_port,
            "HealthCheckProtocol": group.health_check_protocol,
            "HealthCheckIntervalSeconds": group.health_check_interval,
            "ThresholdCount": group.threshold_count,
            "PortOverrides": copy.deepcopy(group.port_overrides),
        }
        if group.health_check_path is not None:
            view["HealthCheckPath"] = group.health_check_path
        return view

    # ------------------------------------------------------------------- accelerators

    @_operation("CreateAccelerator")
    def _create_accelerator(self, params: Mapping[str, Any], account: _Account) -> dict[str, Any]:
        if params.get("IpAddresses"):
            raise NotEmulated("Global Accelerator CreateAccelerator with IpAddresses (BYOIP)")
        if not _NAME_RE.match(params["Name"]):
            raise _invalid(
                "The name can have a maximum of 64 characters, must contain only alphanumeric "
                "characters, periods (.), or hyphens (-), and must not begin or end with a "
                "hyphen or period."
            )
        if len(account.accelerators) >= _MAX_ACCELERATORS:
            raise _err("LimitExceededException")
        ip_address_type = params.get("IpAddressType") or "IPV4"
        self._created += 1
        n = self._created
        # Global Accelerator's anycast IPv4 addresses come from Amazon ranges such as
        # 75.2.0.0/16 and 99.83.0.0/16, one per network zone.
        ip_sets: list[dict[str, Any]] = [
            {
                "IpFamily": "IPv4",
                "IpAddresses": [
                    f"75.2.{n % 250 + 1}.{(n * 7) % 250 + 1}",
                    f"99.83.{n % 250 + 1}.{(n * 11) % 250 + 1}",
                ],
                "IpAddressFamily": "IPv4",
            }
        ]
        dns_id = uuid.uuid4().hex[:16]
        dual_stack_dns_name = None
        if ip_address_type == "DUAL_STACK":
            ipv6 = [f"2600:9000:a{n % 0xFFF:03x}::1", f"2600:9000:a{n % 0xFFF:03x}::2"]
            ip_sets.append({"IpFamily": "IPv6", "IpAddresses": ipv6, "IpAddressFamily": "IPv6"})
            dual_stack_dns_name = f"a{dns_id}.dualstack.awsglobalaccelerator.com"
        acc = _Accelerator(
            arn=f"arn:aws:globalaccelerator::{account.account_id}:accelerator/{uuid.uuid4()}",
            name=params["Name"],
            ip_address_type=ip_address_type,
            enabled=params.get("Enabled", True) is not False,
            ip_sets=ip_sets,
            dns_name=f"a{dns_id}.awsglobalaccelerator.com",
            dual_stack_dns_name=dual_stack_dns_name,
            created=self.world.utcnow(),
            deployed_at=0.0,
        )
        self._changed(acc)
        account.accelerators[acc.arn] = acc
        return {"Accelerator": self._accelerator_view(acc)}

    @_operation("DescribeAccelerator")
    def _describe_accelerator(self, params: Mapping[str, Any], account: _Account) -> dict[str, Any]:
        acc = self._accelerator(account, params["AcceleratorArn"])
        return {"Accelerator": self._accelerator_view(acc)}

    # ----------------------------------------------------------------------- listeners

    @_operation("CreateListener")
    def _create_listener(self, params: Mapping[str, Any], account: _Account) -> dict[str, Any]:
        acc = self._accelerator(account, params["AcceleratorArn"])
        protocol = params["Protocol"]
        others = [x for x in acc.listeners.values() if x.protocol == protocol]
        ranges = _port_ranges(list(params["PortRanges"]), others)
        listener = _Listener(
            arn=f"{acc.arn}/listener/{uuid.uuid4().hex[:8]}",
            port_ranges=ranges,
            protocol=protocol,
            client_affinity=params.get("ClientAffinity") or "NONE",
        )
        acc.listeners[listener.arn] = listener
        self._changed(acc)
        return {"Listener": self._listener_view(listener)}

    @_operation("ListListeners")
    def _list_listeners(self, params: Mapping[str, Any], account: _Account) -> dict[str, Any]:
        acc = self._accelerator(account, params["AcceleratorArn"])
        return _page("Listeners", [self._listener_view(x) for x in acc.listeners.values()], params)

    # ------------------------------------------------------------------ endpoint groups

    def _endpoints(self, configs: list[Mapping[str, Any]], region: str) -> list[_Endpoint]:
        endpoints: list[_Endpoint] = []
        now = self.world.clock.now()
        for config in configs:
            endpoint_id = config.get("EndpointId") or config.get("AttachmentArn")
            if not endpoint_id:
                raise _invalid("EndpointId must be specified.")
            elb = _ELB_ARN_RE.match(endpoint_id)
            if elb and elb.group(1) != region:
                raise _invalid(
                    f"Endpoint {endpoint_id} is not in the endpoint group's Region {region}."
                )
            if elb:
                default_preservation = elb.group(2) == "app"
            elif _EC2_RE.match(endpoint_id) or _EIP_RE.match(endpoint_id):
                default_preservation = bool(_EC2_RE.match(endpoint_id))
            else:
                raise _invalid(f"{endpoint_id} is not a valid endpoint ID.")
            if any(e.endpoint_id == endpoint_id for e in endpoints):
                raise _invalid(f"Endpoint {endpoint_id} is specified twice.")
            preservation = config.get("ClientIPPreservationEnabled")
            endpoints.append(
                _Endpoint(
                    endpoint_id=endpoint_id,
                    weight=int(config.get("Weight", _DEFAULT_WEIGHT)),
                    client_ip_preservation=(
                        default_preservation if preservation is None else bool(preservation)
                    ),
                    added_at=now,
                )
            )
        return endpoints

    @staticmethod
    def _check_health_settings(params: Mapping[str, Any]) -> None:
        interval = params.get("HealthCheckIntervalSeconds")
        if interval is not None and interval not in (10, 30):
            raise _invalid("HealthCheckIntervalSeconds must be 10 or 30 seconds.")
        path = params.get("HealthCheckPath")
        if path is not None and not _PATH_RE.match(path):
            raise _invalid(f"{path} is not a valid health check path.")

    @_operation("CreateEndpointGroup")
    def _create_endpoint_group(
        self, params: Mapping[str, Any], account: _Account
    ) -> dict[str, Any]:
        acc, listener = self._listener(account, params["ListenerArn"])
        region = params["EndpointGroupRegion"]
        if region not in _valid_regions():
            raise _invalid(f"{region} is not a valid AWS Region.")
        if any(group.region == region for group in listener.endpoint_groups.values()):
            raise _err("EndpointGroupAlreadyExistsException")
        self._check_health_settings(params)
        protocol = params.get("HealthCheckProtocol") or "TCP"
        path = params.get("HealthCheckPath")
        if path is None and protocol in ("HTTP", "HTTPS"):
            path = "/"
        group = _EndpointGroup(
            arn=f"{listener.arn}/endpoint-group/{uuid.uuid4().hex[:12]}",
            region=region,
            endpoints=self._endpoints(list(params.get("EndpointConfigurations") or []), region),
            traffic_dial=float(params.get("TrafficDialPercentage", 100.0)),
            health_check_port=int(
                params.get("HealthCheckPort") or listener.port_ranges[0]["FromPort"]
            ),
            health_check_protocol=protocol,
            health_check_path=path,
            health_check_interval=int(params.get("HealthCheckIntervalSeconds") or 30),
            threshold_count=int(params.get("ThresholdCount") or 3),
            port_overrides=[dict(item) for item in params.get("PortOverrides") or []],
        )
        listener.endpoint_groups[group.arn] = group
        self._changed(acc)
        return {"EndpointGroup": self._group_view(group)}

    @_operation("DescribeEndpointGroup")
    def _describe_endpoint_group(
        self, params: Mapping[str, Any], account: _Account
    ) -> dict[str, Any]:
        _, group = self._group(account, params["EndpointGroupArn"])
        return {"EndpointGroup": self._group_view(group)}

    @_operation("ListEndpointGroups")
    def _list_endpoint_groups(self, params: Mapping[str, Any], account: _Account) -> dict[str, Any]:
        _, listener = self._listener(account, params["ListenerArn"])
        views = [self._group_view(group) for group in listener.endpoint_groups.values()]
        return _page("EndpointGroups", views, params)

    @_operation("UpdateEndpointGroup")
    def _update_endpoint_group(
        self, params: Mapping[str, Any], account: _Account
    ) -> dict[str, Any]:
        acc, group = self._group(account, params["EndpointGroupArn"])
        self._check_health_settings(params)
        if "EndpointConfigurations" in params:
            previous = {e.endpoint_id: e for e in group.endpoints}
            endpoints = self._endpoints(list(params["EndpointConfigurations"]), group.region)
            for endpoint in endpoints:  # endpoints that stay keep their health history
                if endpoint.endpoint_id in previous:
                    endpoint.added_at = previous[endpoint.endpoint_id].added_at
            group.endpoints = endpoints
        if "TrafficDialPercentage" in params:
            group.traffic_dial = float(params["TrafficDialPercentage"])
        if "HealthCheckPort" in params:
            group.health_check_port = int(params["HealthCheckPort"])
        if "HealthCheckProtocol" in params:
            group.health_check_protocol = params["HealthCheckProtocol"]
            if group.health_check_protocol in ("HTTP", "HTTPS") and group.health_check_path is None:
                group.health_check_path = "/"
        if "HealthCheckPath" in params:
            group.health_check_path = params["HealthCheckPath"]
        if "HealthCheckIntervalSeconds" in params:
            group.health_check_interval = int(params["HealthCheckIntervalSeconds"])
        if "ThresholdCount" in params:
            group.threshold_count = int(params["ThresholdCount"])
        if "PortOverrides" in params:
            group.port_overrides = [dict(item) for item in params["PortOverrides"]]
        self._changed(acc)
        return {"EndpointGroup": self._group_view(group)}


def _port_ranges(ranges: list[Mapping[str, Any]], others: list[_Listener]) -> list[dict[str, int]]:
    """The listener's port ranges, checked: each well formed, none overlapping another of
    these or of the accelerator's other listeners with the same protocol."""
    clean: list[dict[str, int]] = []
    for port_range in ranges:
        low, high = port_range.get("FromPort"), port_range.get("ToPort")
        if low is None or high is None or low > high:
            raise _err("InvalidPortRangeException")
        clean.append({"FromPort": int(low), "ToPort": int(high)})
    taken = [r for other in others for r in other.port_ranges]
    spans = sorted((r["FromPort"], r["ToPort"]) for r in [*clean, *taken])
    if any(low <= high for (_, high), (low, _) in itertools.pairwise(spans)):
        raise _err("InvalidPortRangeException")
    return clean


def _page(key: str, items: list[dict[str, Any]], params: Mapping[str, Any]) -> dict[str, Any]:
    """One page of a List operation: ``{key: items, "NextToken": ...}`` (MaxResults, NextToken)."""
    max_results = int(params.get("MaxResults") or 10)
    start = 0
    token = params.get("NextToken")
    if token:
        try:
            start = int(base64.b64decode(token.encode(), validate=True).decode())
        except (ValueError, binascii.Error) as exc:
            raise _err("InvalidNextTokenException") from exc
        if start < 0 or start >= len(items):
            raise _err("InvalidNextTokenException")
    end = start + max_results
    body: dict[str, Any] = {key: items[start:end]}
    if end < len(items):
        body["NextToken"] = base64.b64encode(str(end).encode()).decode()
    return body
