"""``make destroy``: tear the whole estate down, in the reverse order of the deploy.

    .venv/bin/python -m scripts.destroy --confirm <EstateName> [--purge-buckets] [--purge-table]
                                        [--profile NAME] [--confirm-phrase "destroy ..."]

Before anything is deleted it shows the account (``sts get-caller-identity``, with the chosen
profile) and the regions, and asks for a typed confirmation that names them:
``destroy <EstateName> in <account> <region> <region>...`` (``--confirm-phrase`` gives it for
a script). The profile and region reach every call: boto3 and each ``sam delete``.

Order: the control planes, the global stack, then (once Global Accelerator's network interfaces
have left the ALB subnets) the region stacks, and last the lease stack (its table is
retained). Deletion protection is switched off first on the
Aurora clusters, the global cluster and the ALBs. The clusters are not removed from the global
cluster by hand: CloudFormation's DBCluster delete handler does it (RemoveFromGlobalCluster,
then DeleteDBCluster, after the final snapshot its DeletionPolicy asks for).

Kept, and listed at the end: each region's two buckets (``--purge-buckets`` empties and
deletes them),
the failover table with its audit rows (``--purge-table`` deletes it; a redeploy under the same
EstateName needs it gone), each region's estate KMS key, the final snapshots, and a hosted zone
the global stack created.
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from scripts import stacks
from scripts.deploy import ROOT, SAM, Aws, Runner, load_plan, run_command, stack_outputs

if TYPE_CHECKING:
    from collections.abc import Sequence

LOG = logging.getLogger("estate.destroy")
# Global Accelerator releases its interfaces some minutes after the endpoint group is deleted;
# the wait is bounded and says what is left when it gives up.
GA_INTERFACES_TIMEOUT_SECONDS = 1800
POLL_SECONDS = 20
# Removing an MRSC table's two other replicas is asynchronous; bounded like the GA wait.
TABLE_REPLICAS_TIMEOUT_SECONDS = 1800


class DestroyNotConfirmed(stacks.PlanError):
    """The typed confirmation did not name this estate, account and regions."""


def sam_delete(
    target: stacks.StackTarget, profile: str | None, run: Runner = run_command, root: Path = ROOT
) -> None:
    LOG.info("[%s] deleting %s in %s", target.env, target.stack_name, target.region)
    run(stacks.sam_delete_argv(SAM, target, profile=profile), root)


def confirm(
    plan: stacks.Plan,
    account: str,
    profile: str | None,
    phrase: str | None,
    ask: Callable[[str], str] = input,
) -> None:
    """Show what will be deleted and where; go on only if the operator types the phrase."""
    expected = stacks.destroy_phrase(plan, account)
    LOG.warning(
        "About to DELETE estate %s in account %s (%s), regions %s: stacks %s",
        plan.estate_name,
        account,
        f"profile {profile}" if profile else "default credential chain",
        ", ".join(plan.regions),
        ", ".join(f"{t.stack_name} ({t.region})" for t in stacks.teardown_order(plan)),
    )
    if not stacks.confirmed(expected, phrase, ask):
        raise DestroyNotConfirmed(f"not confirmed: expected exactly {expected!r}; nothing deleted")


def unprotect(aws: Aws, plan: stacks.Plan) -> None:
    """Switch deletion protection off where the region stacks switched it on; drop replicas."""
    for target in plan.region_stacks:
        outputs = stack_outputs(aws, target)
        if not outputs:
            continue
        if outputs.get("DbClusterIdentifier"):
            LOG.info("[%s] deletion protection off: %s", target.env, outputs["DbClusterIdentifier"])
            aws.client("rds", target.region).modify_db_cluster(
                DBClusterIdentifier=outputs["DbClusterIdentifier"],
                DeletionProtection=False,
                ApplyImmediately=True,
            )
        if target is plan.region_stacks[0] and outputs.get("DbSecretArn"):
            # A replicated secret cannot be deleted before its replicas are.
            secrets = aws.client("secretsmanager", target.region)
            replicas = secrets.describe_secret(SecretId=outputs["DbSecretArn"]).get(
                "ReplicationStatus", []
            )
            if replicas:
                secrets.remove_regions_from_replication(
                    SecretId=outputs["DbSecretArn"],
                    RemoveReplicaRegions=[r["Region"] for r in replicas],
                )
        if outputs.get("AlbArn"):
            aws.client("elbv2", target.region).modify_load_balancer_attributes(
                LoadBalancerArn=outputs["AlbArn"],
                Attributes=[{"Key": "deletion_protection.enabled", "Value": "false"}],
            )
    unprotect_global_cluster(aws, plan)


def unprotect_global_cluster(aws: Aws, plan: stacks.Plan) -> None:
    """The global cluster's own deletion protection (its members leave through CloudFormation)."""
    from botocore.exceptions import ClientError

    global_id = f"{plan.estate_name}-global"
    try:
        aws.client("rds", plan.primary_region).modify_global_cluster(
            GlobalClusterIdentifier=global_id, DeletionProtection=False
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "GlobalClusterNotFoundFault":
            raise


def wait_for_ga_interfaces(
    aws: Aws,
    plan: stacks.Plan,
    *,
    timeout: float = GA_INTERFACES_TIMEOUT_SECONDS,
    poll: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Wait until no Global Accelerator interface is left in either region's VPC.

    The global stack deleted the accelerator; GA then releases the interfaces it put in the ALB
    subnets for client-IP preservation. Deleting the region stacks before that fails on the
    subnets (and leaves the stack DELETE_FAILED).
    """
    vpcs = {}
    for target in plan.region_stacks:
        outputs = stack_outputs(aws, target)
        if outputs and outputs.get("VpcId"):
            vpcs[target.region] = outputs["VpcId"]
    deadline = clock() + timeout
    while True:
        left = {
            region: [
                i["NetworkInterfaceId"]
                for i in aws.client("ec2", region).describe_network_interfaces(
                    Filters=stacks.ga_interface_filters(vpc)
                )["NetworkInterfaces"]
            ]
            for region, vpc in vpcs.items()
        }
        left = {region: ids for region, ids in left.items() if ids}
        if not left:
            return
        if clock() > deadline:
            raise stacks.PlanError(
                f"Global Accelerator's network interfaces are still in the VPCs after {timeout:.0f}"
                f" s: {left}; delete the region stacks once they are gone (make destroy again)"
            )
        LOG.info("waiting for Global Accelerator to release its interfaces: %s", left)
        sleep(POLL_SECONDS if poll is None else poll)


def purge_bucket(aws: Aws, region: str, bucket: str) -> None:
    """Delete every object version and delete marker, then the bucket."""
    from botocore.exceptions import ClientError

    s3 = aws.client("s3", region)
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        return
    LOG.info("emptying and deleting s3://%s", bucket)
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket):
        keys = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        for start in range(0, len(keys), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys[start : start + 1000]})
    s3.delete_bucket(Bucket=bucket)


def purge_table(
    aws: Aws,
    plan: stacks.Plan,
    *,
    timeout: float = TABLE_REPLICAS_TIMEOUT_SECONDS,
    poll: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Delete the kept failover table: deletion protection off in each of its three replicas
    (the LeaseRegions), then the MRSC way: the two other replicas in one UpdateTable from the
    first (DynamoDB refuses to delete one replica of an MRSC table alone, or all three at once:
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/delete-gt-mrsc.html), wait
    until the single-region table left is ACTIVE with no replica, then delete it.
    """
    from botocore.exceptions import ClientError

    def missing(error: ClientError) -> bool:
        return error.response.get("Error", {}).get("Code") == "ResourceNotFoundException"

    name = stacks.failover_table_name(plan)
    first = plan.lease_regions[0]
    for region in plan.lease_regions:
        try:
            aws.client("dynamodb", region).update_table(
                TableName=name, DeletionProtectionEnabled=False
            )
        except ClientError as error:
            if not missing(error):
                raise
    dynamodb = aws.client("dynamodb", first)
    deadline = clock() + timeout
    asked = False
    while True:
        try:
            table = dynamodb.describe_table(TableName=name)["Table"]
        except ClientError as error:
            if missing(error):
                return
            raise
        others = [r["RegionName"] for r in table.get("Replicas", []) if r["RegionName"] != first]
        if not others and table.get("TableStatus") == "ACTIVE":
            break
        if others and not asked and table.get("TableStatus") == "ACTIVE":
            LOG.info("deleting the failover table's replicas in %s", ", ".join(others))
            dynamodb.update_table(
                TableName=name, ReplicaUpdates=[{"Delete": {"RegionName": r}} for r in others]
            )
            asked = True
        elif clock() > deadline:
            raise stacks.PlanError(
                f"the failover table {name} still has replicas {others} (status "
                f"{table.get('TableStatus')}) after {timeout:.0f} s; PURGE_TABLE=1 again later"
            )
        else:
            sleep(POLL_SECONDS if poll is None else poll)
    try:
        dynamodb.delete_table(TableName=name)
        LOG.info("deleted the failover table %s", name)
    except ClientError as error:
        if not missing(error):
            raise


def kept(plan: stacks.Plan, account: str, *, buckets: bool, table: bool) -> list[str]:
    """What the teardown leaves, one line each, with what deletes it."""
    lines = []
    if not buckets:
        lines += [
            f"kept: s3://{bucket} ({region}); PURGE_BUCKETS=1 deletes it (versioned: every "
            "version); a redeploy under the same EstateName fails on the name until it is gone"
            for region, bucket in stacks.retained_buckets(plan, account)
        ]
    if not table:
        lines.append(
            f"kept: DynamoDB table {stacks.failover_table_name(plan)} (lease, cooldown marker, "
            f"audit rows; deletion protection on) in {', '.join(plan.lease_regions)}; "
            "PURGE_TABLE=1 deletes it. A redeploy under the same "
            "EstateName needs it gone: `make deploy` refuses while it is there"
        )
    lines.append(
        "kept: each region's estate KMS key (the final Aurora snapshots are encrypted with it;"
        " schedule its deletion once they are gone), the final snapshots, and a hosted zone the"
        " global stack created"
    )
    return lines


def main(
    argv: Sequence[str] | None = None,
    *,
    run: Runner = run_command,
    aws_factory: Callable[[str | None], Aws] = Aws,
    ask: Callable[[str], str] = input,
) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "samconfig.toml")
    parser.add_argument("--profile", default=None)
    parser.add_argument("--confirm", required=True, help="the EstateName, to confirm")
    parser.add_argument(
        "--confirm-phrase",
        default=None,
        help="the typed confirmation, for scripts: 'destroy <EstateName> in <account> <r1> <r2>'",
    )
    parser.add_argument("--purge-buckets", action="store_true", help="also delete the buckets")
    parser.add_argument(
        "--purge-table", action="store_true", help="also delete the failover table (audit rows)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        plan = load_plan(args.config)
        if args.confirm != plan.estate_name:
            raise stacks.PlanError(
                f"--confirm {args.confirm!r} is not the estate {plan.estate_name!r}"
            )
        aws = aws_factory(args.profile)
        account = aws.client("sts", plan.primary_region).get_caller_identity()["Account"]
        confirm(plan, account, args.profile, args.confirm_phrase, ask)
        order = stacks.teardown_order(plan)
        first = len(plan.control_planes) + 1
        for target in order[:first]:  # control planes, then the global layer
            sam_delete(target, args.profile, run)
        wait_for_ga_interfaces(aws, plan)
        unprotect(aws, plan)
        for target in order[first:]:  # the regions, the primary last, then the lease stack
            sam_delete(target, args.profile, run)
        if args.purge_buckets:
            for region, bucket in stacks.retained_buckets(plan, account):
                purge_bucket(aws, region, bucket)
        if args.purge_table:
            purge_table(aws, plan)
        for line in kept(plan, account, buckets=args.purge_buckets, table=args.purge_table):
            LOG.info(line)
    except stacks.PlanError as error:
        LOG.error("destroy stopped: %s: %s", type(error).__name__, error)
        return 2
    except subprocess.CalledProcessError as error:
        LOG.error("destroy stopped: %s exited %s", " ".join(error.cmd[:4]), error.returncode)
        return error.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
