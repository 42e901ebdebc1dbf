"""AWS Global Accelerator (standard accelerators), emulated in full: moto has no GA.

How it is served
----------------
GA calls never reach moto. The emulator's ``before-call`` handler (``emulator.core``) parses
the JSON body botocore serialised, hands it to :meth:`GlobalAcceleratorBackend.handle` and
returns the parsed response straight to the client. This works the same under ``mock_aws()``
and with clients pointed at an in-process ``ThreadedMotoServer`` (the handler runs before any
HTTP). It does not serve clients in other processes (e.g. the AWS CLI against the server).

The GA API is served only from us-west-2: a client in any other region raises
``EndpointConnectionError`` (that endpoint does not exist), as on AWS.

Faithfulness
------------
* Requests are validated against botocore's input shape (plus the maximums and enums only
  the service checks) and fail with ``InvalidArgumentException``.
* ARNs: ``arn:aws:globalaccelerator::ACCOUNT:accelerator/UUID/listener/ID/endpoint-group/ID``.
* Errors are the modelled ones: AcceleratorNotFoundException, ListenerNotFoundException,
  EndpointGroupNotFoundException, EndpointGroupAlreadyExistsException,
  AcceleratorNotDisabledException, AssociatedListenerFoundException,
  AssociatedEndpointGroupFoundException, InvalidPortRangeException, InvalidNextTokenException,
  InvalidArgumentException, with the model's own error descriptions as messages.
* Every response is checked against the output shape (only its members, datetimes for
  timestamps, as botocore would parse them).
* Modelled time (``emu.clock``): an accelerator is ``IN_PROGRESS`` for
  ``latency.ga_deploy_seconds`` after each change, then ``DEPLOYED``. An endpoint is
  ``INITIAL`` for ``HealthCheckIntervalSeconds * ThresholdCount`` after it is added, then
  ``HEALTHY``, unless :meth:`GlobalAcceleratorBackend.set_endpoint_health` overrides it.
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import ipaddress
import itertools
import json
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3

from ._service_model import (
    EmulatedServiceError,
    check_response_shape,
    operation_model,
    service_model,
    validation_problems,
)

if TYPE_CHECKING:
    import datetime as dt

    from .core import Emulator

__all__ = ["GA_REGION", "GlobalAcceleratorBackend"]

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

_DEFAULT_WEIGHT = 128
_MAX_ACCELERATORS = 20  # default quota "Accelerators per account"


def _error_message(code: str) -> str:
    for shape in service_model(SERVICE).error_shapes:
        if shape.name == code:
            return re.sub(r"<[^>]+>", "", shape.documentation).strip()
    return code


def _err(code: str, detail: str | None = None) -> EmulatedServiceError:
    message = _error_message(code)
    if detail:
        message = f"{message} {detail}"
    return EmulatedServiceError(code, message)


@functools.cache
def _valid_regions() -> frozenset[str]:
    return frozenset(boto3.session.Session().get_available_regions("ec2"))


@dataclass
class _Endpoint:
    endpoint_id: str
    weight: int
    client_ip_preservation: bool
    added_at: float
    attachment_arn: str | None = None


@dataclass
class _EndpointGroup:
    arn: str
    listener_arn: str
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
    accelerator_arn: str
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
    last_modified: dt.datetime
    deployed_at: float
    tags: dict[str, str] = field(default_factory=dict)
    listeners: dict[str, _Listener] = field(default_factory=dict)
    flow_logs_enabled: bool = False
    flow_logs_bucket: str | None = None
    flow_logs_prefix: str | None = None


@dataclass
class _Account:
    accelerators: dict[str, _Accelerator] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], str] = field(default_factory=dict)


def _token_page(items: list[Any], params: Mapping[str, Any]) -> tuple[list[Any], str | None]:
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
    page = items[start : start + max_results]
    end = start + max_results
    next_token = base64.b64encode(str(end).encode()).decode() if end < len(items) else None
    return page, next_token


class GlobalAcceleratorBackend:
    """The GA state for every account, and the API served from it."""

    def __init__(self, emulator: Emulator) -> None:
        self._emu = emulator
        self._lock = threading.RLock()
        self._accounts: dict[str, _Account] = {}
        self._counter = 0

    # ------------------------------------------------------------------ test-facing API

    def set_endpoint_health(
        self, endpoint_group_arn: str, healthy: bool, reason: str | None = None
    ) -> None:
        """Make every endpoint of the group report HEALTHY, or UNHEALTHY with ``reason``
        as HealthReason ("Failed" or "Timeout", the documented reason codes)."""
        with self._lock:
            group = self._find_group(endpoint_group_arn)
            if group is None:
                raise KeyError(f"no endpoint group {endpoint_group_arn}")
            group.health_override = bool(healthy)
            group.health_reason = reason or "Failed"

    @property
    def accelerators(self) -> list[dict[str, Any]]:
        """Every accelerator of every account, as DescribeAccelerator would show it."""
        with self._lock:
            return [
                self._accelerator_view(acc)
                for account in self._accounts.values()
                for acc in account.accelerators.values()
            ]

    @property
    def endpoint_groups(self) -> list[dict[str, Any]]:
        """Every endpoint group of every account, as DescribeEndpointGroup would show it."""
        with self._lock:
            return [
                self._group_view(group)
                for account in self._accounts.values()
                for acc in account.accelerators.values()
                for listener in acc.listeners.values()
                for group in listener.endpoint_groups.values()
            ]

    def reset(self) -> None:
        with self._lock:
            self._accounts.clear()

    # ---------------------------------------------------------------------- dispatching

    def handle(self, operation: str, params: Mapping[str, Any], account_id: str) -> dict[str, Any]:
        """Serve one GA API call. Raises :class:`EmulatedServiceError` for API errors."""
        handler: Callable[[Mapping[str, Any], _Account, str], dict[str, Any]] | None = getattr(
            self, f"_op_{_snake(operation)}", None
        )
        if handler is None:
            raise NotImplementedError(f"The emulator does not implement GA {operation}")
        problems = validation_problems(SERVICE, operation, params)
        if problems:
            raise EmulatedServiceError("InvalidArgumentException", problems)
        with self._lock:
            account = self._accounts.setdefault(account_id, _Account())
            body = handler(params, account, account_id)
        check_response_shape(body, operation_model(SERVICE, operation).output_shape)
        return body

    # ------------------------------------------------------------------------ helpers

    def _now(self) -> float:
        return self._emu.clock.now()

    def _hex(self, length: int) -> str:
        self._counter += 1
        return uuid.uuid4().hex[:length]

    def _find_group(self, arn: str) -> _EndpointGroup | None:
        for account in self._accounts.values():
            for acc in account.accelerators.values():
                for listener in acc.listeners.values():
                    if arn in listener.endpoint_groups:
                        return listener.endpoint_groups[arn]
        return None

    @staticmethod
    def _accelerator(account: _Account, arn: str) -> _Accelerator:
        if not _ACCEL_RE.match(arn):
            raise EmulatedServiceError(
                "InvalidArgumentException", f"{arn} is not a valid accelerator ARN."
            )
        acc = account.accelerators.get(arn)
        if acc is None:
            raise _err("AcceleratorNotFoundException")
        return acc

    def _listener(self, account: _Account, arn: str) -> tuple[_Accelerator, _Listener]:
        match = _LISTENER_RE.match(arn)
        if not match:
            raise EmulatedServiceError(
                "InvalidArgumentException", f"{arn} is not a valid listener ARN."
            )
        acc = account.accelerators.get(match.group(1))
        listener = acc.listeners.get(arn) if acc else None
        if acc is None or listener is None:
            raise _err("ListenerNotFoundException")
        return acc, listener

    def _group(self, account: _Account, arn: str) -> tuple[_Accelerator, _Listener, _EndpointGroup]:
        match = _EG_RE.match(arn)
        if not match:
            raise EmulatedServiceError(
                "InvalidArgumentException", f"{arn} is not a valid endpoint group ARN."
            )
        listener_arn = match.group(1)
        acc = account.accelerators.get(_LISTENER_RE.match(listener_arn).group(1))  # type: ignore[union-attr]
        listener = acc.listeners.get(listener_arn) if acc else None
        group = listener.endpoint_groups.get(arn) if listener else None
        if acc is None or listener is None or group is None:
            raise _err("EndpointGroupNotFoundException")
        return acc, listener, group

    def _changed(self, acc: _Accelerator) -> None:
        acc.deployed_at = self._now() + self._emu.latency.ga_deploy_seconds

    def _idempotent(self, account: _Account, kind: str, params: Mapping[str, Any]) -> str | None:
        return account.idempotency.get((kind, str(params.get("IdempotencyToken", ""))))

    def _remember(self, account: _Account, kind: str, params: Mapping[str, Any], arn: str) -> None:
        token = params.get("IdempotencyToken")
        if token:
            account.idempotency[(kind, str(token))] = arn

    # ---------------------------------------------------------------------- views

    def _accelerator_view(self, acc: _Accelerator) -> dict[str, Any]:
        view: dict[str, Any] = {
            "AcceleratorArn": acc.arn,
            "Name": acc.name,
            "IpAddressType": acc.ip_address_type,
            "Enabled": acc.enabled,
            "IpSets": copy.deepcopy(acc.ip_sets),
            "DnsName": acc.dns_name,
            "Status": "DEPLOYED" if self._now() >= acc.deployed_at else "IN_PROGRESS",
            "CreatedTime": acc.created,
            "LastModifiedTime": acc.last_modified,
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
        if group.health_override is True:
            view["HealthState"] = "HEALTHY"
        elif group.health_override is False:
            view["HealthState"] = "UNHEALTHY"
            view["HealthReason"] = group.health_reason
        elif self._now() < endpoint.added_at + group.health_check_interval * group.threshold_count:
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

    def _ip_sets(self, ip_address_type: str, byoip: list[str] | None) -> list[dict[str, Any]]:
        addresses: list[str] = []
        for raw in byoip or []:
            try:
                addresses.append(str(ipaddress.IPv4Address(raw)))
            except ValueError as exc:
                raise EmulatedServiceError(
                    "InvalidArgumentException", f"{raw} is not a valid IPv4 address."
                ) from exc
        # Global Accelerator's anycast IPv4 addresses come from Amazon ranges such as
        # 75.2.0.0/16 and 99.83.0.0/16, one per network zone.
        pool = [
            f"75.2.{self._counter % 250 + 1}.{(self._counter * 7) % 250 + 1}",
            f"99.83.{self._counter % 250 + 1}.{(self._counter * 11) % 250 + 1}",
        ]
        while len(addresses) < 2:
            addresses.append(pool[len(addresses)])
        sets: list[dict[str, Any]] = [
            {"IpFamily": "IPv4", "IpAddresses": addresses, "IpAddressFamily": "IPv4"}
        ]
        if ip_address_type == "DUAL_STACK":
            sets.append(
                {
                    "IpFamily": "IPv6",
                    "IpAddresses": [
                        f"2600:9000:a{self._counter % 0xFFF:03x}::1",
                        f"2600:9000:a{self._counter % 0xFFF:03x}::2",
                    ],
                    "IpAddressFamily": "IPv6",
                }
            )
        return sets

    @staticmethod
    def _check_name(name: str) -> None:
        if not _NAME_RE.match(name):
            raise EmulatedServiceError(
                "InvalidArgumentException",
                "The name can have a maximum of 64 characters, must contain only alphanumeric "
                "characters, periods (.), or hyphens (-), and must not begin or end with a "
                "hyphen or period.",
            )

    def _op_create_accelerator(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        existing = self._idempotent(account, "accelerator", params)
        if existing and existing in account.accelerators:
            return {"Accelerator": self._accelerator_view(account.accelerators[existing])}
        self._check_name(params["Name"])
        if len(account.accelerators) >= _MAX_ACCELERATORS:
            raise _err("LimitExceededException")
        byoip = params.get("IpAddresses")
        if byoip is not None and not 1 <= len(byoip) <= 2:
            raise EmulatedServiceError(
                "InvalidArgumentException", "You can specify one or two IP addresses."
            )
        ip_address_type = params.get("IpAddressType") or "IPV4"
        self._counter += 1
        dns_id = uuid.uuid4().hex[:16]
        now = self._emu.utcnow()
        acc = _Accelerator(
            arn=f"arn:aws:globalaccelerator::{account_id}:accelerator/{uuid.uuid4()}",
            name=params["Name"],
            ip_address_type=ip_address_type,
            enabled=params.get("Enabled", True) is not False,
            ip_sets=self._ip_sets(ip_address_type, byoip),
            dns_name=f"a{dns_id}.awsglobalaccelerator.com",
            dual_stack_dns_name=(
                f"a{dns_id}.dualstack.awsglobalaccelerator.com"
                if ip_address_type == "DUAL_STACK"
                else None
            ),
            created=now,
            last_modified=now,
            deployed_at=0.0,
            tags={tag["Key"]: tag["Value"] for tag in params.get("Tags") or []},
        )
        self._changed(acc)
        account.accelerators[acc.arn] = acc
        self._remember(account, "accelerator", params, acc.arn)
        return {"Accelerator": self._accelerator_view(acc)}

    def _op_describe_accelerator(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        acc = self._accelerator(account, params["AcceleratorArn"])
        return {"Accelerator": self._accelerator_view(acc)}

    def _op_list_accelerators(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        items = list(account.accelerators.values())
        page, token = _token_page(items, params)
        body: dict[str, Any] = {"Accelerators": [self._accelerator_view(a) for a in page]}
        if token:
            body["NextToken"] = token
        return body

    def _op_update_accelerator(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        acc = self._accelerator(account, params["AcceleratorArn"])
        if "IpAddresses" in params:
            raise EmulatedServiceError(
                "InvalidArgumentException",
                "You can't update IP addresses for an existing accelerator.",
            )
        if "Name" in params:
            self._check_name(params["Name"])
            acc.name = params["Name"]
        if "Enabled" in params:
            acc.enabled = bool(params["Enabled"])
        if "IpAddressType" in params and params["IpAddressType"] != acc.ip_address_type:
            acc.ip_address_type = params["IpAddressType"]
            acc.ip_sets = self._ip_sets(acc.ip_address_type, acc.ip_sets[0]["IpAddresses"])
            acc.dual_stack_dns_name = (
                acc.dns_name.replace(
                    ".awsglobalaccelerator.com", ".dualstack.awsglobalaccelerator.com"
                )
                if acc.ip_address_type == "DUAL_STACK"
                else None
            )
        acc.last_modified = self._emu.utcnow()
        self._changed(acc)
        return {"Accelerator": self._accelerator_view(acc)}

    def _op_delete_accelerator(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        acc = self._accelerator(account, params["AcceleratorArn"])
        if acc.enabled:
            raise _err("AcceleratorNotDisabledException")
        if acc.listeners:
            raise _err("AssociatedListenerFoundException")
        del account.accelerators[acc.arn]
        return {}

    def _op_describe_accelerator_attributes(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        acc = self._accelerator(account, params["AcceleratorArn"])
        return {"AcceleratorAttributes": self._attributes_view(acc)}

    @staticmethod
    def _attributes_view(acc: _Accelerator) -> dict[str, Any]:
        view: dict[str, Any] = {"FlowLogsEnabled": acc.flow_logs_enabled}
        if acc.flow_logs_bucket:
            view["FlowLogsS3Bucket"] = acc.flow_logs_bucket
        if acc.flow_logs_prefix:
            view["FlowLogsS3Prefix"] = acc.flow_logs_prefix
        return view

    def _op_update_accelerator_attributes(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        acc = self._accelerator(account, params["AcceleratorArn"])
        enabled = params.get("FlowLogsEnabled", acc.flow_logs_enabled)
        bucket = params.get("FlowLogsS3Bucket", acc.flow_logs_bucket)
        if enabled and not bucket:
            raise EmulatedServiceError(
                "InvalidArgumentException",
                "FlowLogsS3Bucket is required if FlowLogsEnabled is true.",
            )
        acc.flow_logs_enabled = bool(enabled)
        acc.flow_logs_bucket = bucket
        acc.flow_logs_prefix = params.get("FlowLogsS3Prefix", acc.flow_logs_prefix)
        self._changed(acc)
        return {"AcceleratorAttributes": self._attributes_view(acc)}

    # ----------------------------------------------------------------------- listeners

    @staticmethod
    def _check_port_ranges(
        ranges: list[dict[str, int]], protocol: str, others: list[_Listener]
    ) -> list[dict[str, int]]:
        clean: list[dict[str, int]] = []
        for port_range in ranges:
            low, high = port_range.get("FromPort"), port_range.get("ToPort")
            if low is None or high is None or low > high:
                raise _err("InvalidPortRangeException")
            clean.append({"FromPort": int(low), "ToPort": int(high)})
        spans = [(r["FromPort"], r["ToPort"]) for r in clean]
        for other in others:
            if other.protocol != protocol:
                continue
            spans.extend((r["FromPort"], r["ToPort"]) for r in other.port_ranges)
        spans.sort()
        for (_, high), (low, _) in itertools.pairwise(spans):
            if low <= high:
                raise _err("InvalidPortRangeException")
        return clean

    def _op_create_listener(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        acc = self._accelerator(account, params["AcceleratorArn"])
        existing = self._idempotent(account, "listener", params)
        if existing and existing in acc.listeners:
            return {"Listener": self._listener_view(acc.listeners[existing])}
        protocol = params["Protocol"]
        ranges = self._check_port_ranges(
            list(params["PortRanges"]), protocol, list(acc.listeners.values())
        )
        listener = _Listener(
            arn=f"{acc.arn}/listener/{self._hex(8)}",
            accelerator_arn=acc.arn,
            port_ranges=ranges,
            protocol=protocol,
            client_affinity=params.get("ClientAffinity") or "NONE",
        )
        acc.listeners[listener.arn] = listener
        self._remember(account, "listener", params, listener.arn)
        self._changed(acc)
        return {"Listener": self._listener_view(listener)}

    def _op_describe_listener(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        _, listener = self._listener(account, params["ListenerArn"])
        return {"Listener": self._listener_view(listener)}

    def _op_list_listeners(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        acc = self._accelerator(account, params["AcceleratorArn"])
        page, token = _token_page(list(acc.listeners.values()), params)
        body: dict[str, Any] = {"Listeners": [self._listener_view(item) for item in page]}
        if token:
            body["NextToken"] = token
        return body

    def _op_update_listener(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        acc, listener = self._listener(account, params["ListenerArn"])
        protocol = params.get("Protocol") or listener.protocol
        if "PortRanges" in params or protocol != listener.protocol:
            others = [item for item in acc.listeners.values() if item is not listener]
            listener.port_ranges = self._check_port_ranges(
                list(params.get("PortRanges") or listener.port_ranges), protocol, others
            )
        listener.protocol = protocol
        if "ClientAffinity" in params:
            listener.client_affinity = params["ClientAffinity"]
        self._changed(acc)
        return {"Listener": self._listener_view(listener)}

    def _op_delete_listener(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        acc, listener = self._listener(account, params["ListenerArn"])
        if listener.endpoint_groups:
            raise _err("AssociatedEndpointGroupFoundException")
        del acc.listeners[listener.arn]
        self._changed(acc)
        return {}

    # ------------------------------------------------------------------ endpoint groups

    def _endpoints(self, configs: list[Mapping[str, Any]], region: str) -> list[_Endpoint]:
        endpoints: list[_Endpoint] = []
        seen: set[str] = set()
        now = self._now()
        for config in configs:
            endpoint_id = config.get("EndpointId") or config.get("AttachmentArn")
            if not endpoint_id:
                raise EmulatedServiceError(
                    "InvalidArgumentException", "EndpointId must be specified."
                )
            elb = _ELB_ARN_RE.match(endpoint_id)
            if elb:
                if elb.group(1) != region:
                    raise EmulatedServiceError(
                        "InvalidArgumentException",
                        f"Endpoint {endpoint_id} is not in the endpoint group's Region {region}.",
                    )
                default_preservation = elb.group(2) == "app"
            elif _EC2_RE.match(endpoint_id):
                default_preservation = True
            elif _EIP_RE.match(endpoint_id):
                default_preservation = False
            else:
                raise EmulatedServiceError(
                    "InvalidArgumentException", f"{endpoint_id} is not a valid endpoint ID."
                )
            if endpoint_id in seen:
                raise EmulatedServiceError(
                    "InvalidArgumentException", f"Endpoint {endpoint_id} is specified twice."
                )
            seen.add(endpoint_id)
            preservation = config.get("ClientIPPreservationEnabled")
            endpoints.append(
                _Endpoint(
                    endpoint_id=endpoint_id,
                    weight=int(config.get("Weight", _DEFAULT_WEIGHT)),
                    client_ip_preservation=(
                        default_preservation if preservation is None else bool(preservation)
                    ),
                    added_at=now,
                    attachment_arn=config.get("AttachmentArn"),
                )
            )
        return endpoints

    @staticmethod
    def _check_health_settings(params: Mapping[str, Any]) -> None:
        interval = params.get("HealthCheckIntervalSeconds")
        if interval is not None and interval not in (10, 30):
            raise EmulatedServiceError(
                "InvalidArgumentException",
                "HealthCheckIntervalSeconds must be 10 or 30 seconds.",
            )
        path = params.get("HealthCheckPath")
        if path is not None and not re.match(r"^/[-a-zA-Z0-9@:%_\\+.~#?&/=]*$", path):
            raise EmulatedServiceError(
                "InvalidArgumentException", f"{path} is not a valid health check path."
            )

    def _op_create_endpoint_group(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        acc, listener = self._listener(account, params["ListenerArn"])
        existing = self._idempotent(account, "endpoint-group", params)
        if existing and existing in listener.endpoint_groups:
            return {"EndpointGroup": self._group_view(listener.endpoint_groups[existing])}
        region = params["EndpointGroupRegion"]
        if region not in _valid_regions():
            raise EmulatedServiceError(
                "InvalidArgumentException", f"{region} is not a valid AWS Region."
            )
        if any(group.region == region for group in listener.endpoint_groups.values()):
            raise _err("EndpointGroupAlreadyExistsException")
        self._check_health_settings(params)
        protocol = params.get("HealthCheckProtocol") or "TCP"
        path = params.get("HealthCheckPath")
        if path is None and protocol in ("HTTP", "HTTPS"):
            path = "/"
        group = _EndpointGroup(
            arn=f"{listener.arn}/endpoint-group/{self._hex(12)}",
            listener_arn=listener.arn,
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
        self._remember(account, "endpoint-group", params, group.arn)
        self._changed(acc)
        return {"EndpointGroup": self._group_view(group)}

    def _op_describe_endpoint_group(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        _, _, group = self._group(account, params["EndpointGroupArn"])
        return {"EndpointGroup": self._group_view(group)}

    def _op_list_endpoint_groups(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        _, listener = self._listener(account, params["ListenerArn"])
        page, token = _token_page(list(listener.endpoint_groups.values()), params)
        body: dict[str, Any] = {"EndpointGroups": [self._group_view(item) for item in page]}
        if token:
            body["NextToken"] = token
        return body

    def _op_update_endpoint_group(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        acc, _, group = self._group(account, params["EndpointGroupArn"])
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

    def _op_delete_endpoint_group(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        acc, listener, group = self._group(account, params["EndpointGroupArn"])
        del listener.endpoint_groups[group.arn]
        self._changed(acc)
        return {}

    def _op_add_endpoints(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        acc, _, group = self._group(account, params["EndpointGroupArn"])
        added = self._endpoints(list(params["EndpointConfigurations"]), group.region)
        by_id = {e.endpoint_id: e for e in group.endpoints}
        for endpoint in added:
            if endpoint.endpoint_id in by_id:
                endpoint.added_at = by_id[endpoint.endpoint_id].added_at
            by_id[endpoint.endpoint_id] = endpoint
        group.endpoints = list(by_id.values())
        self._changed(acc)
        return {
            "EndpointDescriptions": [self._endpoint_view(group, e) for e in added],
            "EndpointGroupArn": group.arn,
        }

    def _op_remove_endpoints(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        acc, _, group = self._group(account, params["EndpointGroupArn"])
        remove = {item["EndpointId"] for item in params["EndpointIdentifiers"]}
        missing = remove - {e.endpoint_id for e in group.endpoints}
        if missing:
            raise _err("EndpointNotFoundException")
        group.endpoints = [e for e in group.endpoints if e.endpoint_id not in remove]
        self._changed(acc)
        return {}

    # --------------------------------------------------------------------------- tags

    def _tag_target(self, account: _Account, arn: str) -> _Accelerator | None:
        """Tags live on accelerators; listener and endpoint-group ARNs exist but carry none."""
        if _ACCEL_RE.match(arn):
            return self._accelerator(account, arn)
        if _LISTENER_RE.match(arn):
            self._listener(account, arn)
            return None
        if _EG_RE.match(arn):
            self._group(account, arn)
            return None
        raise EmulatedServiceError("InvalidArgumentException", f"{arn} is not a valid ARN.")

    def _op_tag_resource(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        acc = self._tag_target(account, params["ResourceArn"])
        if acc is None:
            raise EmulatedServiceError(
                "InvalidArgumentException", "Tags can be added to accelerators only."
            )
        for tag in params["Tags"]:
            acc.tags[tag["Key"]] = tag["Value"]
        return {}

    def _op_untag_resource(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        acc = self._tag_target(account, params["ResourceArn"])
        if acc is not None:
            for key in params["TagKeys"]:
                acc.tags.pop(key, None)
        return {}

    def _op_list_tags_for_resource(
        self, params: Mapping[str, Any], account: _Account, account_id: str
    ) -> dict[str, Any]:
        acc = self._tag_target(account, params["ResourceArn"])
        tags = acc.tags if acc is not None else {}
        return {"Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def parse_json_body(body: bytes | str | None) -> dict[str, Any]:
    """The JSON request body botocore serialised for a ``json`` protocol call."""
    if not body:
        return {}
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    value = json.loads(text)
    if not isinstance(value, dict):
        raise EmulatedServiceError("SerializationException", "Request body must be an object.")
    return value
