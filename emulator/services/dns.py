"""DNS for the names the emulated estate owns: RDS endpoints, load balancers, Route 53 zones.

Offline, ``socket.gethostbyname_ex("<global-id>.global-<hash>.global.rds.amazonaws.com")``
fails with "Name or service not known". While installed, this service answers
``socket.gethostbyname_ex``, ``socket.gethostbyname`` and ``socket.getaddrinfo`` for these
names the way the AWS name servers do, from what moto (and the emulator) hold *now*, and hands
every other name (loopback, IP literals, the rest of the internet) to the function that was
there before (so pytest-socket's guards and real resolution stay as they were). Uninstalling
restores the three functions.

The records
-----------
* **Aurora Global Database writer endpoint**
  (``<global-id>.global-<hash>.global.rds.amazonaws.com``): a CNAME to the cluster endpoint of
  the global cluster's current writer. Aurora "automatically switches this endpoint to point to
  the cluster endpoint of the new primary cluster" when a secondary becomes the primary
  (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Overview.Endpoints.html):
  during a switchover or failover in flight (``FailoverState`` pending, switching-over,
  failing-over; :mod:`emulator.services.rds`) it still names the old writer, and the new one
  once the operation completed.
* **Cluster endpoint** (``<id>.cluster-<hash>.<region>.rds.amazonaws.com``): a CNAME to the
  endpoint of the cluster's writer instance; the **reader endpoint** (``.cluster-ro-``) to a
  reader instance (the writer when it has none). TTL 5 s on AWS
  (https://docs.aws.amazon.com/whitepapers/latest/amazon-aurora-mysql-db-admin-handbook/dns-caching.html).
  A cluster without instances has no answer (NXDOMAIN): there is nothing to connect to.
* **Instance endpoint** (``<id>.<hash>.<region>.rds.amazonaws.com``): an A record, a private
  address (10.0.0.0/8) or, for a publicly accessible instance, a public one.
* **Load balancers** (moto elbv2 ``DNSName``, ``*.elb.amazonaws.com``): one A record per subnet
  (AZ), public for ``internet-facing``, private for ``internal``.
* **Route 53 hosted zones** (every zone moto holds, public or private, is authoritative for
  its names): ``A`` and ``CNAME`` records; an alias answers with its target's addresses under
  the queried name (an alias is not a CNAME). Among records of one name with a routing policy,
  a record whose ``HealthCheckId`` is unhealthy (``world.route53.is_healthy``), or whose alias
  target has no answer with ``EvaluateTargetHealth``, is skipped, unless none is healthy (then
  Route 53 answers as if all were); then failover picks ``PRIMARY`` over ``SECONDARY``, latency
  the record of the Region nearest the resolver's (``AWS_REGION``: its own Region's record,
  else the nearest by great-circle distance, :func:`failover.geography.distance_km`, a proxy
  for "the AWS Region that provides the lowest latency",
  https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-latency.html; no
  known resolver Region: the first record), weighted the heaviest (a deterministic stand-in
  for a weighted draw).

A name under ``.rds.amazonaws.com``, ``.elb.amazonaws.com`` or a moto zone that has no record
raises ``socket.gaierror(EAI_NONAME, "Name or service not known")``, as a real NXDOMAIN does.
Addresses are made up and stable per name: private ones in 10.0.0.0/8, public ones in
198.18.0.0/15 (reserved for benchmarking, RFC 2544: never a real host's address).
``gethostbyname_ex`` returns what glibc does: the end of the CNAME chain as the name, every
name before it as aliases. IPv6 (``AF_INET6``) has no answer.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from failover import geography

from ..world import Service, World, register

if TYPE_CHECKING:
    from .._patching import Patcher

__all__ = ["OWNED_SUFFIXES", "Dns", "Nxdomain"]

OWNED_SUFFIXES = (".rds.amazonaws.com", ".elb.amazonaws.com")
_GLOBAL_SUFFIX = ".global.rds.amazonaws.com"
_MAX_CHAIN = 8
_PUBLIC = ipaddress.ip_network("198.18.0.0/15")
_PRIVATE = ipaddress.ip_network("10.0.0.0/8")


class Nxdomain(Exception):
    """The name is one the emulator owns, and it has no record."""


@dataclass(frozen=True)
class _Cname:
    target: str


@dataclass(frozen=True)
class _Addresses:
    addresses: tuple[str, ...]


_Step = _Cname | _Addresses


def made_up_address(name: str, public: bool, index: int = 0) -> str:
    """A stable address for ``name`` (and ``index``, for several): see the module docstring."""
    network = _PUBLIC if public else _PRIVATE
    digest = hashlib.sha256(f"{name}#{index}".encode()).digest()
    offset = int.from_bytes(digest[:4], "big") % (network.num_addresses - 2) + 1
    return str(network.network_address + offset)


def _clean(host: str | bytes) -> str:
    text = host.decode("idna") if isinstance(host, bytes) else str(host)
    return text.rstrip(".").lower()


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _nxdomain() -> socket.gaierror:
    return socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def _items(mapping: Any) -> list[tuple[str, Any]]:
    """A moto BackendDict's entries that exist (without creating any)."""
    return list(dict.items(mapping))


@register
class Dns(Service):
    """``world.dns``: see the module docstring."""

    name = "dns"

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self._originals: dict[str, Callable[..., Any]] = {}

    # ------------------------------------------------------------------------- resolving

    def resolve(self, host: str | bytes) -> tuple[str, list[str], list[str]] | None:
        """``(canonical name, aliases, IPv4 addresses)`` for a name the emulator owns, None for
        any other name; raises :class:`Nxdomain` for an owned name without a record."""
        name = _clean(host)
        if not name or _is_ip(name):
            return None
        chain = [name]
        while len(chain) <= _MAX_CHAIN:
            step = self._lookup(chain[-1])
            if step is None:
                if len(chain) == 1:
                    return None
                # A CNAME out of the emulated names: the rest is the real resolver's answer.
                canonical, aliases, addresses = self._originals["gethostbyname_ex"](chain[-1])
                return canonical, [*chain[:-1], *aliases], addresses
            if isinstance(step, _Addresses):
                return chain[-1], chain[:-1], list(step.addresses)
            chain.append(step.target)
        raise Nxdomain(f"CNAME chain too long from {name}")

    def _lookup(self, name: str) -> _Step | None:
        if name.endswith(".rds.amazonaws.com"):
            return self._rds(name)
        if name.endswith(".elb.amazonaws.com"):
            return self._elb(name)
        return self._route53(name)

    # ------------------------------------------------------------------------------ RDS

    def _rds(self, name: str) -> _Step:
        from moto.rds.models import rds_backends

        if name.endswith(_GLOBAL_SUFFIX):
            rds = self.world.service("rds")
            for _, regions in _items(rds_backends):
                # moto keeps every global cluster in its us-east-1 backend, whichever region
                # created it (moto.rds.responses.RDSResponse.global_backend)
                backend = dict(regions).get("us-east-1")
                for global_cluster in list(backend.global_clusters.values()) if backend else []:
                    if global_cluster.endpoint.lower() == name:
                        writer = rds.writer(global_cluster)
                        if writer is None:
                            raise Nxdomain(name)
                        return _Cname(str(writer.endpoint).lower())
            raise Nxdomain(name)
        labels = name.split(".")
        region = labels[-4] if len(labels) >= 5 else ""
        for _, regions in _items(rds_backends):
            backend = dict(regions).get(region)
            if backend is None:
                continue
            for cluster in list(backend.clusters.values()):
                if name in (str(cluster.endpoint).lower(), str(cluster.reader_endpoint).lower()):
                    instances = list(cluster.members)
                    writer = next((i for i in instances if i.is_cluster_writer), None)
                    readers = [i for i in instances if not i.is_cluster_writer]
                    if name == str(cluster.reader_endpoint).lower() and readers:
                        return _Cname(str(readers[0].address).lower())
                    if writer is None:
                        raise Nxdomain(name)
                    return _Cname(str(writer.address).lower())
            for instance in list(backend.databases.values()):
                if str(instance.address).lower() == name:
                    public = bool(getattr(instance, "publicly_accessible", False))
                    return _Addresses((made_up_address(name, public),))
        raise Nxdomain(name)

    # ------------------------------------------------------------------------------ ELB

    def _elb(self, name: str) -> _Step:
        from moto.elbv2.models import elbv2_backends

        for _, regions in _items(elbv2_backends):
            for _, backend in _items(regions):
                for balancer in list(backend.load_balancers.values()):
                    if str(balancer.dns_name).lower() == name:
                        public = balancer.scheme != "internal"
                        count = max(len(balancer.subnets or []), 1)
                        return _Addresses(
                            tuple(made_up_address(name, public, i) for i in range(count))
                        )
        raise Nxdomain(name)

    # ------------------------------------------------------------------------- Route 53

    def _route53(self, name: str) -> _Step | None:
        from moto.route53.models import route53_backends

        zone = None
        for _, partitions in _items(route53_backends):
            for _, backend in _items(partitions):
                for candidate in list(backend.zones.values()):
                    origin = str(candidate.name).rstrip(".").lower()
                    if (name == origin or name.endswith("." + origin)) and (
                        zone is None or len(origin) > len(str(zone.name).rstrip("."))
                    ):
                        zone = candidate
        if zone is None:
            return None
        records = [
            r
            for r in list(zone.rrsets)
            if str(r.name).rstrip(".").lower() == name and r.type in ("A", "CNAME")
        ]
        if not records:
            raise Nxdomain(name)
        record = self._choose(records)
        if record.alias_target:
            target = _clean(str(record.alias_target.get("DNSName", "")))
            found = self.resolve(target)
            if found is None:
                raise Nxdomain(name)
            return _Addresses(tuple(found[2]))
        values = [str(v) for v in record.records or []]
        if record.type == "CNAME" and values:
            return _Cname(_clean(values[0]))
        if not values:
            raise Nxdomain(name)
        return _Addresses(tuple(values))

    def _healthy(self, record: Any) -> bool:
        if record.health_check_id and not self.world.service("route53").is_healthy(
            str(record.health_check_id)
        ):
            return False
        alias = record.alias_target or {}
        if str(alias.get("EvaluateTargetHealth", "")).lower() == "true":
            try:
                return self.resolve(str(alias.get("DNSName", ""))) is not None
            except (Nxdomain, OSError):
                return False
        return True

    def _choose(self, records: list[Any]) -> Any:
        if len(records) == 1:
            return records[0]
        healthy = [r for r in records if self._healthy(r)] or records
        failover = {str(r.failover).upper(): r for r in healthy if r.failover}
        if failover:
            return failover.get("PRIMARY") or failover.get("SECONDARY")
        here = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        by_region = [r for r in healthy if r.region]
        if by_region:
            own = next((r for r in by_region if r.region == here), None)
            if own is not None:
                return own
            known = [r for r in by_region if str(r.region) in geography.CITIES]
            if here in geography.CITIES and known:
                return min(known, key=lambda r: geography.distance_km(str(here), str(r.region)))
            return by_region[0]
        weighted = [r for r in healthy if r.weight is not None]
        if weighted:
            return max(weighted, key=lambda r: int(r.weight))
        return healthy[0]

    # --------------------------------------------------------------------- the socket API

    def gethostbyname_ex(self, host: Any) -> tuple[str, list[str], list[str]]:
        try:
            found = self.resolve(host)
        except Nxdomain:
            raise _nxdomain() from None
        if found is None:
            answer: tuple[str, list[str], list[str]] = self._originals["gethostbyname_ex"](host)
            return answer
        return found

    def gethostbyname(self, host: Any) -> str:
        try:
            found = self.resolve(host)
        except Nxdomain:
            raise _nxdomain() from None
        if found is None:
            return str(self._originals["gethostbyname"](host))
        return found[2][0]

    def getaddrinfo(
        self,
        host: Any,
        port: Any,
        family: int = 0,
        type: int = 0,  # socket.getaddrinfo's own parameter name
        proto: int = 0,
        flags: int = 0,
    ) -> list[tuple[Any, ...]]:
        original = self._originals["getaddrinfo"]
        if host is None or flags & socket.AI_NUMERICHOST:
            return list(original(host, port, family, type, proto, flags))
        try:
            found = self.resolve(host)
        except Nxdomain:
            raise _nxdomain() from None
        if found is None:
            return list(original(host, port, family, type, proto, flags))
        if family not in (0, socket.AF_UNSPEC, socket.AF_INET):
            raise socket.gaierror(
                getattr(socket, "EAI_NODATA", socket.EAI_NONAME),
                "No address associated with hostname",
            )
        number = _port(port)
        protocols = {socket.SOCK_STREAM: socket.IPPROTO_TCP, socket.SOCK_DGRAM: socket.IPPROTO_UDP}
        kinds = (
            [(socket.SocketKind(type), proto or protocols.get(socket.SocketKind(type), 0))]
            if type
            else [*protocols.items(), (socket.SOCK_RAW, 0)]
        )
        canonical = found[0] if flags & socket.AI_CANONNAME else ""
        result: list[tuple[Any, ...]] = []
        for address in found[2]:
            for kind, protocol in kinds:
                name = canonical if not result else ""
                result.append((socket.AF_INET, kind, protocol, name, (address, number)))
        return result

    # -------------------------------------------------------------------------- install

    def install(self, patcher: Patcher) -> None:
        for name in ("gethostbyname_ex", "gethostbyname", "getaddrinfo"):
            self._originals[name] = getattr(socket, name)
        patcher.setattr(socket, "gethostbyname_ex", self.gethostbyname_ex)
        patcher.setattr(socket, "gethostbyname", self.gethostbyname)
        patcher.setattr(socket, "getaddrinfo", self.getaddrinfo)


def _port(port: Any) -> int:
    if port is None:
        return 0
    if isinstance(port, int):
        return port
    text = port.decode() if isinstance(port, bytes) else str(port)
    if text.isdigit():
        return int(text)
    try:
        return socket.getservbyname(text, "tcp")
    except OSError:
        raise socket.gaierror(
            socket.EAI_SERVICE, "Servname not supported for ai_socktype"
        ) from None
