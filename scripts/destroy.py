"""``make destroy``: tear the whole estate down, in the reverse order of the deploy.

    .venv/bin/python -m scripts.destroy --confirm <EstateName> [--purge-buckets] [--profile NAME]

Deletion protection is switched off first on the Aurora clusters, the global cluster and the
ALBs, and the clusters leave the global cluster (readers first) so each can be deleted with its
final snapshot (DeletionPolicy: Snapshot). The data and logs buckets, the KMS keys and a hosted
zone the global stack created are kept (DeletionPolicy: Retain); --purge-buckets empties every
object version of the four buckets and deletes them.
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from scripts import estate
from scripts.deploy import ROOT, SAM, Aws, load_plan, stack_outputs

if TYPE_CHECKING:
    from collections.abc import Sequence

LOG = logging.getLogger("estate.destroy")
DETACH_TIMEOUT_SECONDS = 1800


def sam_delete(target: estate.StackTarget) -> None:
    LOG.info("[%s] deleting %s in %s", target.env, target.stack_name, target.region)
    argv = [
        SAM,
        "delete",
        "--stack-name",
        target.stack_name,
        "--region",
        target.region,
        "--no-prompts",
    ]
    subprocess.run(argv, cwd=ROOT, check=True)  # noqa: S603 - our own argv, no shell


def unprotect(aws: Aws, plan: estate.Plan) -> None:
    """Switch deletion protection off where the region stacks switched it on; drop replicas."""
    for target in (plan.region_primary, plan.region_secondary):
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
        if target is plan.region_primary and outputs.get("DbSecretArn"):
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


def detach_global_cluster(aws: Aws, plan: estate.Plan) -> None:
    """Remove every member from the global cluster, readers first, and wait for each."""
    from botocore.exceptions import ClientError

    global_id = f"{plan.estate_name}-global"
    rds = aws.client("rds", plan.primary_region)
    try:
        cluster = rds.describe_global_clusters(GlobalClusterIdentifier=global_id)["GlobalClusters"][
            0
        ]
    except ClientError as error:
        if "GlobalClusterNotFoundFault" in str(error):
            return
        raise
    rds.modify_global_cluster(GlobalClusterIdentifier=global_id, DeletionProtection=False)
    for arn in estate.global_cluster_detach_order(cluster.get("GlobalClusterMembers", [])):
        LOG.info("removing %s from %s", arn, global_id)
        aws.client("rds", estate.region_of_arn(arn)).remove_from_global_cluster(
            GlobalClusterIdentifier=global_id, DbClusterIdentifier=arn
        )
        deadline = time.monotonic() + DETACH_TIMEOUT_SECONDS
        while True:
            members = rds.describe_global_clusters(GlobalClusterIdentifier=global_id)[
                "GlobalClusters"
            ][0].get("GlobalClusterMembers", [])
            if arn not in {m["DBClusterArn"] for m in members}:
                break
            if time.monotonic() > deadline:
                raise estate.PlanError(f"{arn} did not leave {global_id} in time")
            time.sleep(20)


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "samconfig.toml")
    parser.add_argument("--profile", default=None)
    parser.add_argument("--confirm", required=True, help="the EstateName, to confirm")
    parser.add_argument("--purge-buckets", action="store_true", help="also delete the buckets")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        plan = load_plan(args.config)
        if args.confirm != plan.estate_name:
            raise estate.PlanError(
                f"--confirm {args.confirm!r} is not the estate {plan.estate_name!r}"
            )
        aws = Aws(args.profile)
        order = estate.teardown_order(plan)
        for target in order[:3]:  # control planes, then the global layer
            sam_delete(target)
        unprotect(aws, plan)
        detach_global_cluster(aws, plan)
        for target in order[3:]:  # secondary region, then primary
            sam_delete(target)
        account = aws.client("sts", plan.primary_region).get_caller_identity()["Account"]
        for region, bucket in estate.retained_buckets(plan, account):
            if args.purge_buckets:
                purge_bucket(aws, region, bucket)
            else:
                LOG.info("kept: s3://%s (%s); --purge-buckets deletes it", bucket, region)
        LOG.info(
            "kept: each region's estate KMS key (the final Aurora snapshots are encrypted with it;"
            " schedule its deletion once they are gone), the snapshots, and a hosted zone the"
            " global stack created"
        )
    except estate.PlanError as error:
        LOG.error("destroy stopped: %s", error)
        return 2
    except subprocess.CalledProcessError as error:
        LOG.error("destroy stopped: %s exited %s", " ".join(error.cmd[:4]), error.returncode)
        return error.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
