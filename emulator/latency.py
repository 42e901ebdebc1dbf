"""How long things take in the modelled world (modelled seconds): a bibliography.

Every duration the emulator charges is a :class:`Figure` in :data:`FIGURES`: a range
(``low``..``high``; equal when a source states one number), the source, what the source says,
and whether the source *states* that number (``stated``) or the range is a modelling
assumption informed by it. A run depends on the assumptions it used:
:meth:`LatencyModel.assumptions` lists them for ``report.json``.

Three ways to build a model, one per question:

* ``LatencyModel()`` (the *floor*): every figure at the low end of its range and every phase
  aligned (0). Unit tests use it (fast, deterministic), and the physical floor
  (:mod:`drill.floors`) is computed from it: the documented minimum of each term.
* :meth:`LatencyModel.typical` (a single drill run): every figure at its median (the middle of
  its range: ranges are drawn uniformly) and every phase at the median of its period
  (uncoordinated checkers spread evenly over it), not the luckiest one.
* :meth:`LatencyModel.sampled` (``--samples N``): every figure and every phase drawn at random
  from ``seed``. Draws are keyed by name (a hash of seed and key), never by the order in which
  threads ask, so a seeded run is the same at every ``--time-scale``.

A call from one Region to another (a Lambda function or a state machine's Task calling an
endpoint in a Region other than its own) pays a network round trip on top of the call itself:
:meth:`LatencyModel.cross_region_round_trip_seconds`, the pair's fibre floor
(``failover.geography.round_trip_floor_seconds``: light in fibre over the great circle between
the Regions' cities) times ``cross_region_rtt_factor``, an assumption in [1, 2]. The pair table
is never written down here: it is derived from the Regions' geography, one home per rule.

Lambda cold starts come from a measurement: ``scripts/bench_imports.py`` (``make bench``)
times each handler module's import on this machine and writes
``docs/benchmarks/imports.json``; :meth:`LatencyModel.cold_start_seconds` scales the fastest
run by the CPU share Lambda gives the function's memory size, and adds the runtime's own
start-up.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from failover import geography

__all__ = ["FIGURES", "IMPORT_BENCHMARK", "Figure", "LatencyModel", "measured_imports", "unit_draw"]

LOG = logging.getLogger(__name__)

#: Written by ``scripts/bench_imports.py`` (``make bench``).
IMPORT_BENCHMARK = Path(__file__).resolve().parent.parent / "docs" / "benchmarks" / "imports.json"

# https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
#   "Lambda allocates CPU power in proportion to the amount of memory configured. ... At
#    1,769 MB, a function has the equivalent of one vCPU (one vCPU-second of credits per
#    second)."
ONE_VCPU_MEMORY_MB = 1769.0


@lru_cache(maxsize=4)
def _load_imports(path: Path, mtime_ns: int) -> dict[str, float]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    handlers = data.get("handlers") or {}
    return {str(name): float(found["min_s"]) for name, found in handlers.items()}


_MISSING: set[Path] = set()


def measured_imports(path: Path = IMPORT_BENCHMARK) -> dict[str, float]:
    """Handler module -> its measured cold import (seconds); {} without a benchmark.

    The *minimum* of the runs: the import's own CPU work, without the benchmark machine's
    noise (other load only ever adds). The CPU share of the function's memory is applied
    to it (:meth:`LatencyModel.cold_start_seconds`)."""
    try:
        return _load_imports(path, path.stat().st_mtime_ns)
    except (OSError, ValueError, KeyError, TypeError) as error:
        if path not in _MISSING:
            _MISSING.add(path)
            LOG.warning("no import benchmark at %s (%s): cold starts use the default", path, error)
        return {}


@dataclass(frozen=True)
class Figure:
    """One modelled duration and where it comes from."""

    name: str  # the LatencyModel field it sets
    low: float
    high: float
    source: str  # a URL (or the repository file the number is configured in)
    quote: str  # what the source says
    stated: bool  # the source states this number (else: an assumption informed by it)
    note: str = ""
    #: What the number counts: "s" (modelled seconds) or a factor of something else, named.
    unit: str = "s"

    @property
    def median(self) -> float:
        return (self.low + self.high) / 2.0

    def as_dict(self, value: float | None = None) -> dict[str, Any]:
        seconds = self.unit == "s"
        found: dict[str, Any] = {
            "name": self.name,
            ("range_s" if seconds else "range"): [self.low, self.high],
            "stated": self.stated,
            "source": self.source,
            "quote": self.quote,
        }
        if not seconds:
            found["unit"] = self.unit
        if value is not None:
            found["value_s" if seconds else "value"] = round(value, 4)
        if self.note:
            found["note"] = self.note
        return found


_AURORA_DR = (
    "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/"
    "aurora-global-database-disaster-recovery.html"
)
_WA_LAB = (
    "https://wellarchitectedlabs.com/reliability/disaster-recovery/workshop_3/3-failover/"
    "3.1-aurora/"
)

#: Every duration of the model, by LatencyModel field.
FIGURES: dict[str, Figure] = {
    f.name: f
    for f in (
        Figure(
            "aurora_failover_seconds",
            60.0,
            300.0,
            f"{_WA_LAB} ; {_AURORA_DR}",
            '"you can promote a secondary region to take full read-write responsibilities in '
            'under a minute" (the low end); the User Guide: "For Aurora Global Database, RTO '
            'can be in the order of minutes."',
            False,
            "FailoverGlobalCluster with AllowDataLoss, pending phase included. The low end is "
            "AWS's own best case; the high end (5 min) is an assumption for 'the order of "
            "minutes' (no AWS figure).",
        ),
        Figure(
            "aurora_switchover_seconds",
            60.0,
            300.0,
            "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_SwitchoverGlobalCluster.html",
            '"All secondary clusters are synchronized with the primary at the beginning of the '
            'process ... Your database is unavailable for a short time"',
            False,
            "No published duration: an assumption in 'the order of minutes'.",
        ),
        Figure(
            "aurora_pending_seconds",
            2.0,
            10.0,
            "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_FailoverState.html",
            '"pending - The service received a request to switch over or fail over ... being '
            'verified before the operation starts."',
            False,
            "No published duration (part of the totals above, not added).",
        ),
        Figure(
            "aurora_in_region_failover_seconds",
            10.0,
            60.0,
            "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.AuroraHighAvailability.html",
            '"A failure event results in a brief interruption ... service is typically restored '
            'in less than 60 seconds, and often less than 30 seconds."',
            True,
            "FailoverDBCluster (an in-region writer failover): the cluster's Status is "
            "failing-over for this long. The high end is AWS's typical bound; the low end is an "
            "assumption.",
        ),
        Figure(
            "aurora_resync_seconds",
            300.0,
            14400.0,
            f"{_AURORA_DR}#aurora-global-database-failover.managed-unplanned",
            "After a global database failover (AllowDataLoss), Aurora rebuilds the other "
            "secondary clusters, and the old primary once its Region recovers, to the new "
            'primary\'s point in time; the rebuild "can take from minutes to hours". '
            "GlobalClusterMember.SynchronizationStatus: connected | pending-resync "
            "(https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_GlobalClusterMember.html).",
            False,
            "How long a member stays pending-resync: from the failover's completion (the old "
            "primary: from the moment its Region is reachable again). No AWS figure ('minutes "
            "to hours', depending on the volume): 5 min to 4 h assumed. The quoted wording is "
            "the issue's; the stored copy of the page predates managed failover and could not "
            "confirm it.",
        ),
        Figure(
            "ecs_task_start_seconds",
            30.0,
            90.0,
            "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-pull-behavior.html",
            '"The time it takes to pull the images is directly correlated to the time taken to '
            'start an Fargate task."',
            False,
            "Fargate PROVISIONING -> RUNNING: no published figure; 30-90 s assumed.",
        ),
        Figure(
            "ga_deploy_seconds",
            10.0,
            60.0,
            "https://docs.aws.amazon.com/global-accelerator/latest/api/API_Accelerator.html",
            '"Status: Describes the deployment status of the accelerator."',
            False,
            "IN_PROGRESS -> DEPLOYED after a change: no published duration.",
        ),
        Figure(
            "ga_alb_health_seconds",
            1.0,
            10.0,
            "https://docs.aws.amazon.com/global-accelerator/latest/dg/about-endpoint-groups.html",
            '"For Network Load Balancer and Application Load Balancer endpoints, configure '
            'health check settings on the ELB console."',
            False,
            "GA takes an ALB endpoint's health from the ALB's target health (the endpoint "
            "group's own health options do not apply); how soon GA sees a change of it is not "
            "published: assumed 1-10 s.",
        ),
        Figure(
            "route53_connect_timeout_seconds",
            4.0,
            4.0,
            "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html",
            '"HTTP and HTTPS health checks - Route 53 must be able to establish a TCP connection '
            'with the endpoint within four seconds."',
            True,
        ),
        Figure(
            "route53_response_timeout_seconds",
            2.0,
            2.0,
            "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html",
            '"the endpoint must respond with an HTTP status code of 2xx or 3xx within two '
            'seconds after connecting."',
            True,
        ),
        Figure(
            "health_check_round_trip_seconds",
            0.01,
            0.2,
            "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html",
            '"Route 53 has health checkers in locations around the world."',
            False,
            "A checker's request to an answering endpoint: a network round trip, assumed "
            "10-200 ms.",
        ),
        Figure(
            "cloudwatch_ingestion_seconds",
            1.0,
            5.0,
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html",
            '"Resolution" (high-resolution metrics down to 1 s); no published ingestion delay.',
            False,
            "From PutMetricData (or an EMF log line) until alarms can see the datapoint.",
        ),
        Figure(
            "eventbridge_delivery_seconds",
            0.1,
            1.0,
            "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rules.html",
            "Rules deliver matching events to targets; no published delivery latency.",
            False,
            "From an event on a bus until its target is invoked (per hop).",
        ),
        Figure(
            "eventbridge_schedule_jitter_seconds",
            1.0,
            10.0,
            "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-rule-schedule.html",
            '"the delay between the time the scheduled rule is triggered and the time the '
            "target service honors the execution of the target resource might be several "
            'seconds."',
            False,
            "'Several seconds': assumed 1-10 s after each scheduled time.",
        ),
        Figure(
            "sfn_transition_seconds",
            0.01,
            0.1,
            "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-standard-vs-express.html",
            "Standard workflows are billed per state transition; no published transition latency.",
            False,
            "Charged before each state's task starts.",
        ),
        Figure(
            "api_call_seconds",
            0.02,
            0.1,
            "https://docs.aws.amazon.com/general/latest/gr/rande.html",
            "Regional endpoints; no published per-call latency for control-plane APIs.",
            False,
            "One AWS API call within a region, request to response.",
        ),
        Figure(
            "dynamodb_mrsc_round_trip_seconds",
            0.02,
            0.08,
            "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/multi-region-strong-consistency-gt.html",
            "MRSC writes and strongly consistent reads are replicated synchronously to another "
            "Region before they answer.",
            False,
            "A round trip between two Regions of the MRSC set the failover table lives in "
            "(LeaseRegions: any of AWS's MRSC sets, e.g. us-east-1 / us-east-2 / us-west-2), "
            "paid by every call that reaches a replica: no AWS figure; assumed 20-80 ms. A "
            "caller outside the set also pays its own round trip to the replica it calls "
            "(cross_region_rtt_factor).",
        ),
        Figure(
            "cross_region_rtt_factor",
            1.0,
            2.0,
            "https://dev.to/aws-builders/looking-at-aws-inter-region-latency-through-distance-34eh"
            " ; https://fed135.medium.com/tool-aws-region-to-region-latency-calculator-4a5a92d52286",
            "Inter-Region latency follows distance: distance -> theoretical lower bound (light "
            "in fibre) -> observed latency. A published example: eu-west-1 <-> ca-central-1, "
            "computed floor 53.89 ms, measured 78.75 ms (x1.46).",
            False,
            "A call from a Lambda function or a state machine in one Region to an endpoint in "
            "another pays a network round trip on top of the call: the pair's fibre floor "
            "(failover.geography.round_trip_floor_seconds, great circle between the Regions' "
            "cities at 200,000 km/s) times this factor. No AWS figure: assumed 1-2 x the floor "
            "(the floor itself at the low end); sampled models draw it per pair.",
            unit="x round_trip_floor_seconds",
        ),
        Figure(
            "lambda_invoke_seconds",
            0.005,
            0.02,
            "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html",
            "The execution environment is reused between invocations; no published overhead.",
            False,
        ),
        Figure(
            "lambda_runtime_init_seconds",
            0.1,
            0.5,
            "https://aws.amazon.com/blogs/compute/operating-lambda-performance-optimization-part-1/",
            '"The duration of a cold start varies from under 100 ms to over 1 second."',
            False,
            "The platform's share of a cold start (the import is measured separately).",
        ),
        Figure(
            "lambda_async_queue_seconds",
            0.05,
            0.5,
            "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html",
            "Asynchronous invocations are queued; no published queue delay.",
            False,
        ),
    )
}

PhaseMode = Literal["aligned", "median", "random"]


def unit_draw(seed: int, key: str) -> float:
    """A uniform draw in [0, 1) that depends only on ``seed`` and ``key``."""
    digest = hashlib.sha256(f"{seed}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


@dataclass
class LatencyModel:
    """Durations used by the emulated services, in modelled seconds (see :data:`FIGURES`).

    The defaults are the low end of each figure's range: see the module docstring for
    :meth:`typical` and :meth:`sampled`."""

    aurora_failover_seconds: float = FIGURES["aurora_failover_seconds"].low
    aurora_switchover_seconds: float = FIGURES["aurora_switchover_seconds"].low
    aurora_pending_seconds: float = FIGURES["aurora_pending_seconds"].low
    aurora_in_region_failover_seconds: float = FIGURES["aurora_in_region_failover_seconds"].low
    #: How long a member Aurora rebuilds after a failover with data loss is pending-resync.
    aurora_resync_seconds: float = FIGURES["aurora_resync_seconds"].low
    ecs_task_start_seconds: float = FIGURES["ecs_task_start_seconds"].low
    ga_deploy_seconds: float = FIGURES["ga_deploy_seconds"].low
    ga_alb_health_seconds: float = FIGURES["ga_alb_health_seconds"].low
    route53_connect_timeout_seconds: float = FIGURES["route53_connect_timeout_seconds"].low
    route53_response_timeout_seconds: float = FIGURES["route53_response_timeout_seconds"].low
    health_check_round_trip_seconds: float = FIGURES["health_check_round_trip_seconds"].low
    cloudwatch_ingestion_seconds: float = FIGURES["cloudwatch_ingestion_seconds"].low
    eventbridge_delivery_seconds: float = FIGURES["eventbridge_delivery_seconds"].low
    eventbridge_schedule_jitter_seconds: float = FIGURES["eventbridge_schedule_jitter_seconds"].low
    sfn_transition_seconds: float = FIGURES["sfn_transition_seconds"].low
    api_call_seconds: float = FIGURES["api_call_seconds"].low
    dynamodb_mrsc_round_trip_seconds: float = FIGURES["dynamodb_mrsc_round_trip_seconds"].low
    #: A cross-Region call's round trip, as a factor of the pair's fibre floor; None: drawn per
    #: pair of Regions from ``seed`` (:meth:`sampled`).
    cross_region_rtt_factor: float | None = FIGURES["cross_region_rtt_factor"].low

    # Per service, where a call costs more than ``api_call_seconds``: the failover table is a
    # multi-Region strongly consistent (MRSC) global table, so every DynamoDB call pays the
    # cross-Region round trip on top (``dynamodb_mrsc_round_trip_seconds``). None: derived.
    api_call_seconds_by_service: dict[str, float] | None = None

    lambda_invoke_seconds: float = FIGURES["lambda_invoke_seconds"].low
    lambda_runtime_init_seconds: float = FIGURES["lambda_runtime_init_seconds"].low

    # How much slower one vCPU of Lambda (arm64, Graviton2) runs single-threaded Python than
    # the machine that ran the import benchmark. Not published; assumption 1.0. The CPU share
    # for the function's memory (ONE_VCPU_MEMORY_MB above) is applied on top of it.
    lambda_cpu_factor: float = 1.0

    # A handler's import time when the benchmark has no entry for it: about a bare
    # ``import boto3`` (0.33 s in docs/benchmarks/imports.json) plus a little. Assumption.
    default_import_seconds: float = 0.4

    lambda_async_queue_seconds: float = FIGURES["lambda_async_queue_seconds"].low

    # Retries of an asynchronous invocation that returned an error (stated).
    # https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
    #   "If the function returns an error, by default Lambda attempts to run it two more
    #    times, with a one-minute wait between the first two attempts, and two minutes
    #    between the second and third attempts."
    lambda_async_retry_delays: tuple[float, ...] = (60.0, 120.0)

    # Step Functions' own SDK client, for a service integration whose endpoint does not answer
    # (moto's interpreter clients have no timeout: 99999999 s). Not published; Step Functions
    # reports such failures as the AWS SDK for Java's "Unable to execute HTTP request", and
    # that SDK's default connection timeout is 10 s
    # (https://docs.aws.amazon.com/sdk-for-java/v1/developer-guide/section-client-configuration.html).
    # Assumption: 10 s, one attempt (the state's Retry does the retrying).
    sfn_integration_connect_timeout_seconds: float = 10.0

    #: How phases (a checker's place in its interval, an alarm's evaluation moment, a
    #: schedule's jitter) are chosen: "aligned" (all 0: unit tests), "median", "random".
    phases: PhaseMode = "aligned"
    #: The seed of every draw ("random" phases, :meth:`sampled`).
    seed: int = 0

    #: Measured imports (handler module -> seconds); None: read docs/benchmarks/imports.json.
    imports: dict[str, float] | None = None

    #: The pairs of Regions cross-Region calls went between, and their round trips (reported).
    _round_trips: dict[tuple[str, str], float] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    # ------------------------------------------------------------------ the three models

    @classmethod
    def typical(cls, **overrides: Any) -> LatencyModel:
        """Every figure at its median and every phase at the median of its period."""
        values: dict[str, Any] = {name: f.median for name, f in FIGURES.items()}
        values["phases"] = "median"
        values.update(overrides)
        return cls(**values)

    @classmethod
    def sampled(cls, seed: int, **overrides: Any) -> LatencyModel:
        """Every figure and phase drawn uniformly at random, keyed by ``seed`` (the cross-Region
        round-trip factor once per pair of Regions)."""
        values: dict[str, Any] = {
            name: f.low + unit_draw(seed, "figure:" + name) * (f.high - f.low)
            for name, f in FIGURES.items()
        }
        values.update({"phases": "random", "seed": seed, "cross_region_rtt_factor": None})
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes: Any) -> LatencyModel:
        return replace(self, **changes)

    # ------------------------------------------------------------------------ phases

    def phase(self, key: str, period: float, index: int = 0, count: int = 1) -> float:
        """Where in its ``period`` a recurring thing named ``key`` happens, in [0, period):
        aligned 0; median: ``count`` uncoordinated things (``index`` of them) spread evenly,
        one alone in the middle; random: a seeded draw."""
        if self.phases == "aligned" or period <= 0:
            return 0.0
        if self.phases == "median":
            return (index + 0.5) / max(count, 1) * period
        return unit_draw(self.seed, "phase:" + key) * period

    def draw(self, key: str, low: float, high: float) -> float:
        """A per-event duration in [low, high]: low (aligned), the middle (median), or a
        seeded draw keyed by ``key`` (random)."""
        if self.phases == "aligned":
            return low
        if self.phases == "median":
            return (low + high) / 2.0
        return low + unit_draw(self.seed, "draw:" + key) * (high - low)

    # ---------------------------------------------------------------------- reporting

    def _figure(self, name: str) -> dict[str, Any]:
        figure = FIGURES[name]
        if name != "cross_region_rtt_factor":
            return figure.as_dict(float(getattr(self, name)))
        found = figure.as_dict(self.cross_region_rtt_factor)
        if self.cross_region_rtt_factor is None:
            found["value"] = "drawn per pair of Regions (seeded)"
        found["round_trips"] = self.round_trips()
        return found

    def figures(self) -> list[dict[str, Any]]:
        """Every figure with the value this model uses."""
        return [self._figure(name) for name in FIGURES]

    def assumptions(self) -> list[dict[str, Any]]:
        """The figures no source states, with the value this model uses (report.json)."""
        found = [self._figure(name) for name, f in FIGURES.items() if not f.stated]
        found.append(
            {
                "name": "phases",
                "value": self.phases,
                "stated": False,
                "note": "where in their periods the uncoordinated checkers, the alarm "
                "evaluations and the schedules fall (AWS: 'health checkers in different data "
                "centers don't coordinate with one another')",
            }
        )
        return found

    def api_call(self, service: str) -> float:
        """Modelled seconds of one API call of ``service`` (boto3 service name)."""
        by_service = self.api_call_seconds_by_service
        if by_service is not None and service in by_service:
            return by_service[service]
        if service == "dynamodb":
            return self.api_call_seconds + self.dynamodb_mrsc_round_trip_seconds
        return self.api_call_seconds

    def rtt_factor(self, a: str, b: str) -> float:
        """The cross-Region round trip between Regions ``a`` and ``b`` as a factor of their
        fibre floor: the model's, or a seeded draw for the pair (the same both ways)."""
        if self.cross_region_rtt_factor is not None:
            return self.cross_region_rtt_factor
        figure = FIGURES["cross_region_rtt_factor"]
        pair = "|".join(sorted((a, b)))
        return figure.low + unit_draw(self.seed, "rtt:" + pair) * (figure.high - figure.low)

    def cross_region_round_trip_seconds(self, caller: str, endpoint: str) -> float:
        """Modelled seconds a call from Region ``caller`` to an endpoint in Region ``endpoint``
        pays on top of the call itself (0 within a Region). An unknown Region is a
        ``ConfigurationError``: the model has no distance for it."""
        if caller == endpoint:
            return 0.0
        pair = (caller, endpoint) if caller <= endpoint else (endpoint, caller)
        found = self._round_trips.get(pair)
        if found is None:
            floor = geography.round_trip_floor_seconds(caller, endpoint)
            found = floor * self.rtt_factor(caller, endpoint)
            self._round_trips[pair] = found
        return found

    def round_trips(self) -> list[dict[str, Any]]:
        """The pairs of Regions this model's cross-Region calls went between so far: each pair's
        fibre floor, factor and round trip (report.json)."""
        return [
            {
                "regions": list(pair),
                "distance_km": round(geography.distance_km(*pair), 1),
                "floor_s": round(geography.round_trip_floor_seconds(*pair), 5),
                "factor": round(self.rtt_factor(*pair), 4),
                "round_trip_s": round(seconds, 5),
            }
            for pair, seconds in sorted(self._round_trips.items())
        ]

    def cpu_share(self, memory_mb: float) -> float:
        """How many times slower than one vCPU a function with ``memory_mb`` runs."""
        return max(ONE_VCPU_MEMORY_MB / max(float(memory_mb), 1.0), 1.0) * self.lambda_cpu_factor

    def import_seconds(self, handler_module: str) -> float:
        """The handler module's measured import on the benchmark machine (or the default)."""
        found = (self.imports if self.imports is not None else measured_imports()).get(
            handler_module
        )
        return self.default_import_seconds if found is None else found

    def cold_start_seconds(self, handler_module: str, memory_mb: float) -> float:
        """A cold start: the runtime's start-up + the handler's import at this memory size."""
        scaled = self.import_seconds(handler_module) * self.cpu_share(memory_mb)
        return self.lambda_runtime_init_seconds + scaled
