"""How long things take in the modelled world (modelled seconds).

Each default cites where the figure comes from. Where AWS publishes no number, the field
says so and the value is a modelling assumption, chosen to be in the documented range.

Lambda cold starts come from a measurement: ``scripts/bench_imports.py`` (``make bench``)
times each handler module's import on this machine and writes
``docs/benchmarks/imports.json``; :meth:`LatencyModel.cold_start_seconds` scales the fastest
run by the CPU share Lambda gives the function's memory size, and adds the runtime's own
start-up.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["IMPORT_BENCHMARK", "LatencyModel", "measured_imports"]

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


@dataclass
class LatencyModel:
    """Durations used by the emulated services, in modelled seconds."""

    # Aurora Global Database, FailoverGlobalCluster with AllowDataLoss (unplanned failover).
    # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html
    #   "Recovery time objective (RTO) ... For Aurora Global Database, RTO can be in the order
    #    of minutes."
    # https://wellarchitectedlabs.com/reliability/disaster-recovery/workshop_3/3-failover/3.1-aurora/
    #   "In disaster recovery situations, you can promote a secondary region to take full
    #    read-write responsibilities in under a minute."
    aurora_failover_seconds: float = 60.0

    # Aurora Global Database, SwitchoverGlobalCluster (planned, RPO 0). Switchover first
    # synchronises the secondaries, so it takes longer than a failover.
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_SwitchoverGlobalCluster.html
    #   "All secondary clusters are synchronized with the primary at the beginning of the
    #    process ... Your database is unavailable for a short time while the primary and
    #    selected secondary clusters are assuming their new roles."
    # Same page family as above: "RTO can be in the order of minutes."
    aurora_switchover_seconds: float = 120.0

    # Time a failover/switchover spends in FailoverState.Status "pending" before Aurora starts
    # promoting. https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_FailoverState.html
    #   "pending - The service received a request to switch over or fail over the global
    #    cluster. The global cluster's primary DB cluster and the specified secondary DB
    #    cluster are being verified before the operation starts."
    # No published duration: modelling assumption (part of the totals above, not added).
    aurora_pending_seconds: float = 5.0

    # Aurora in-region writer failover (FailoverDBCluster, or a writer failure), the cluster's
    # Status "failing-over" until the new writer is promoted.
    # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.AuroraHighAvailability.html
    #   "A failure event results in a brief interruption, during which read and write
    #    operations fail with an exception. However, service is typically restored in less
    #    than 60 seconds, and often less than 30 seconds."
    # A range (under 60 s, often under 30 s), not a figure: 30 s is an assumption inside it.
    aurora_in_region_failover_seconds: float = 30.0

    # Fargate task from PROVISIONING to RUNNING (ENI attach, image pull, container start).
    # https://docs.aws.amazon.com/AmazonECS/latest/bestpracticesguide/task.html
    #   "a task is created and initially put into the PROVISIONING state before it is
    #    successfully launched into RUNNING state"
    # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-pull-behavior.html
    #   "The time it takes to pull the images is directly correlated to the time taken to
    #    start an Fargate task."
    # AWS publishes no single figure; 30-60 s is the commonly observed range. Assumption: 60.
    ecs_task_start_seconds: float = 60.0

    # Global Accelerator: an accelerator reports Status IN_PROGRESS after a configuration
    # change until the change is deployed to the edge, then DEPLOYED.
    # https://docs.aws.amazon.com/global-accelerator/latest/api/API_Accelerator.html
    #   "Status: Describes the deployment status of the accelerator."
    # No published duration: modelling assumption.
    ga_deploy_seconds: float = 30.0

    # One AWS API call, request to response, charged on the calling actor (a handler, the
    # state machine's native integrations, a Lambda Invoke) before the call lands. AWS
    # publishes no per-call latency for control-plane APIs; within a region they typically
    # answer in tens of milliseconds. Modelling assumption: 50 ms.
    api_call_seconds: float = 0.05

    # Per service, where a figure is published.
    # DynamoDB: https://aws.amazon.com/dynamodb/ "single-digit millisecond performance at any
    # scale". The failover table is a multi-Region strongly consistent (MRSC) global table:
    # its writes and strongly consistent reads are replicated synchronously to another Region
    # before they answer
    # (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/multi-region-strong-consistency-gt.html),
    # so they cost a cross-Region round trip. Assumption: 30 ms.
    api_call_seconds_by_service: dict[str, float] = field(
        default_factory=lambda: {"dynamodb": 0.03}
    )

    # Lambda's own overhead per invocation on a warm execution environment (routing the
    # request to it and the runtime handing the event to the handler). Not published; warm
    # invokes add milliseconds
    # (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html: the
    # execution environment is reused between invocations). Assumption: 10 ms.
    lambda_invoke_seconds: float = 0.01

    # The part of a cold start that is not the handler's own import: creating the execution
    # environment and starting the Python runtime. AWS Compute Blog, "Operating Lambda:
    # Performance optimization - Part 1"
    # (https://aws.amazon.com/blogs/compute/operating-lambda-performance-optimization-part-1/):
    # "The duration of a cold start varies from under 100 ms to over 1 second."
    # Assumption for the platform's share with a small zip package: 250 ms.
    lambda_runtime_init_seconds: float = 0.25

    # How much slower one vCPU of Lambda (arm64, Graviton2) runs single-threaded Python than
    # the machine that ran the import benchmark. Not published; assumption 1.0. The CPU share
    # for the function's memory (ONE_VCPU_MEMORY_MB above) is applied on top of it.
    lambda_cpu_factor: float = 1.0

    # A handler's import time when the benchmark has no entry for it: about a bare
    # ``import boto3`` (0.33 s in docs/benchmarks/imports.json) plus a little. Assumption.
    default_import_seconds: float = 0.4

    # Lambda's asynchronous event queue: the delay before a queued event is handed to the
    # function. https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html describes
    # the queue but gives no figure. Assumption: 100 ms.
    lambda_async_queue_seconds: float = 0.1

    # Retries of an asynchronous invocation that returned an error.
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

    #: Measured imports (handler module -> seconds); None: read docs/benchmarks/imports.json.
    imports: dict[str, float] | None = None

    def api_call(self, service: str) -> float:
        """Modelled seconds of one API call of ``service`` (boto3 service name)."""
        return self.api_call_seconds_by_service.get(service, self.api_call_seconds)

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
