"""How long things take in the modelled world (modelled seconds).

Each default cites where the figure comes from. Where AWS publishes no number, the field
says so and the value is a modelling assumption, chosen to be in the documented range.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LatencyModel"]


@dataclass
class LatencyModel:
    """Durations used by the emulated control planes, in modelled seconds."""

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

    # One Lambda Task state: the invoke plus the handler's few AWS API calls (each reads
    # state first, then acts). Lambda publishes no end-to-end figure; a warm invoke adds
    # milliseconds and a control-plane API call typically takes 50-150 ms
    # (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html describes
    # the warm-start reuse). Modelling assumption: 0.3 s per task; 0 turns it off.
    lambda_task_seconds: float = 0.3
