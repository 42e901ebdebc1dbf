"""EvaluateReadiness on the local estate: the checks the emulator can answer honestly PASS on a
healthy estate, and each one FAILs, with its reason and a notice, when that part really breaks.

The estate is built with ``automatic_triggers`` (as deployed: alarms wired to the state
machine), so that the detection checks pass and a healthy estate is *ready*: only then does
breaking one thing show as a change to "not ready", and repairing it as "ready again". Checks
outside these tests' scope may still WARN (``traffic.target_health`` has no checker verdict
while the clock stands still); a WARN does not make a region "not ready".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from testbed.estate import EstateSpec, LocalEstate
from tests.helpers import build

HOME = "us-west-2"
IN_SCOPE = (
    "database.global_endpoint",
    "compute.fargate_quota",
    "data.s3_replication",
    "control_plane.notices",
    "control_plane.peer_version",
)


@pytest.fixture
def estate() -> Iterator[LocalEstate]:
    yield from build(EstateSpec(automatic_triggers=True))


def evaluate(estate: LocalEstate) -> dict[str, Any]:
    """Invoke us-west-2's EvaluateReadiness as its schedule does; the evaluation it returns."""
    response = estate.client("lambda", HOME).invoke(
        FunctionName=estate.function_arns[HOME]["EvaluateReadinessFunction"], Payload="{}"
    )
    assert "FunctionError" not in response, response["Payload"].read()
    result: dict[str, Any] = json.loads(response["Payload"].read())
    return result


def by_name(evaluation: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {check["name"]: check for check in evaluation["checks"]}


def stored(estate: LocalEstate) -> dict[str, Any]:
    """The latest evaluation as the failover table holds it."""
    item = estate.client("dynamodb", HOME).get_item(
        TableName=estate.spec.table_name,
        Key={"pk": {"S": "READINESS"}, "sk": {"S": f"READINESS#{HOME}"}},
        ConsistentRead=True,
    )["Item"]
    found: dict[str, Any] = json.loads(item["evaluation"]["S"])
    return found


def test_a_healthy_estate_passes_for_honest_reasons(estate: LocalEstate) -> None:
    # when the recovery region evaluates its readiness on the healthy estate
    evaluation = evaluate(estate)
    checks = by_name(evaluation)

    # then the checks the emulator answers pass, each for the reason AWS would give
    statuses = {name: checks[name]["status"] for name in IN_SCOPE}
    assert statuses == dict.fromkeys(IN_SCOPE, "PASS"), checks
    writer = estate.client("rds", "us-east-1").describe_db_clusters(
        DBClusterIdentifier=estate.spec.cluster_id("us-east-1")
    )["DBClusters"][0]["Endpoint"]
    assert checks["database.global_endpoint"]["reason"].endswith(f"resolves to the writer {writer}")
    assert checks["compute.fargate_quota"]["reason"] == "Fargate vCPU quota 100 covers 2 vCPU"
    assert (
        checks["data.s3_replication"]["reason"] == "us-east-1: replication latency 5 s, no failures"
    )
    assert checks["control_plane.notices"]["reason"] == "1 confirmed subscription(s)"
    assert checks["control_plane.peer_version"]["reason"].startswith("us-east-1: it runs the same")

    # and the region is ready: stored so, and nobody is told (nothing changed)
    assert evaluation["ready"] is True, [c for c in evaluation["checks"] if c["status"] == "FAIL"]
    assert stored(estate)["ready"] is True
    assert estate.notices(HOME) == []


# --- one break at a time: (what breaks, the check, its reason, how it is repaired) ------------


def delete_image(estate: LocalEstate) -> None:
    estate.client("ecr", HOME).batch_delete_image(
        repositoryName=f"{estate.spec.name}-web", imageIds=[{"imageTag": "stable"}]
    )


def push_image(estate: LocalEstate) -> None:
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    }
    estate.client("ecr", HOME).put_image(
        repositoryName=f"{estate.spec.name}-web",
        imageManifest=json.dumps(manifest),
        imageTag="stable",
    )


def detach_secondary(estate: LocalEstate) -> None:
    estate.client("rds", "us-east-1").remove_from_global_cluster(
        GlobalClusterIdentifier=estate.spec.global_cluster_id,
        DbClusterIdentifier=estate.spec.cluster_arn(HOME),
    )


def rebuild_secondary(estate: LocalEstate) -> None:
    """A detached cluster cannot rejoin: a new secondary is created in its place."""
    spec, rds = estate.spec, estate.client("rds", HOME)
    cluster = spec.cluster_id(HOME)
    rds.delete_db_instance(DBInstanceIdentifier=f"{cluster}-1", SkipFinalSnapshot=True)
    rds.delete_db_cluster(DBClusterIdentifier=cluster, SkipFinalSnapshot=True)
    rds.create_db_cluster(
        DBClusterIdentifier=cluster,
        Engine="aurora-postgresql",
        EngineVersion="16.4",
        GlobalClusterIdentifier=spec.global_cluster_id,
        StorageEncrypted=True,
    )
    rds.create_db_instance(
        DBInstanceIdentifier=f"{cluster}-1",
        DBClusterIdentifier=cluster,
        Engine="aurora-postgresql",
        DBInstanceClass="db.serverless",
    )


def quota(value: float) -> Callable[[LocalEstate], None]:
    def apply(estate: LocalEstate) -> None:
        estate.emulator.servicequotas.set_quota(HOME, "fargate", "L-3032A538", value)

    return apply


BREAKS = {
    "image": (
        delete_image,
        "compute.image",
        "is not in us-west-2's ECR (not pushed or replicated)",
        push_image,
    ),
    "member": (
        detach_secondary,
        "database.member",
        "arn:aws:rds:us-west-2:123456789012:cluster:shop-usw2 is not a member of shop-global",
        rebuild_secondary,
    ),
    "quota": (
        quota(1),
        "compute.fargate_quota",
        "Fargate vCPU quota 1 is below the 2 vCPU of full capacity",
        quota(100),
    ),
}


@pytest.mark.parametrize("broken", sorted(BREAKS))
def test_one_break_fails_its_check_and_the_repair_clears_it(
    estate: LocalEstate, broken: str
) -> None:
    breaking, check, reason, repair = BREAKS[broken]
    # given a ready recovery region
    assert evaluate(estate)["ready"] is True

    # when one thing breaks
    breaking(estate)
    evaluation = evaluate(estate)

    # then its check FAILs with the reason, the region is not ready, and people are told
    found = by_name(evaluation)[check]
    assert found["status"] == "FAIL"
    assert reason in found["reason"]
    assert evaluation["ready"] is False
    assert by_name(stored(estate))[check]["status"] == "FAIL"
    (notice,) = estate.notices(HOME)
    assert notice["kind"] == "not_ready"
    assert f"FAIL  {check}: {found['reason']}" in notice["text"]

    # when it is repaired, then the check passes again and people are told it is ready again
    repair(estate)
    again = evaluate(estate)
    assert by_name(again)[check]["status"] == "PASS"
    assert again["ready"] is True
    (notice,) = estate.notices(HOME)
    assert notice["kind"] == "ready_again"
    assert notice["detail"]["outcome"] == "ready"


def test_a_failing_replication_into_the_region_fails_the_data_check(
    estate: LocalEstate,
) -> None:
    # given a ready recovery region
    assert evaluate(estate)["ready"] is True

    # when its data bucket, the primary's replication destination, is gone
    s3 = estate.client("s3", HOME)
    bucket = estate.data_bucket(HOME)
    for version in s3.list_object_versions(Bucket=bucket).get("Versions", []):
        s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
    s3.delete_bucket(Bucket=bucket)
    # and the application writes in the primary
    primary = estate.client("s3", "us-east-1")
    source = estate.data_bucket("us-east-1")
    primary.put_object(Bucket=source, Key="orders/1.json", Body=b"{}")

    # then that write FAILED to replicate, and readiness FAILs on S3's failure metric
    assert primary.head_object(Bucket=source, Key="orders/1.json")["ReplicationStatus"] == "FAILED"
    evaluation = evaluate(estate)
    check = by_name(evaluation)["data.s3_replication"]
    assert check["status"] == "FAIL"
    assert check["reason"] == "us-east-1: 1 object(s) failed to replicate in the last hour"
    assert evaluation["ready"] is False
    (notice,) = estate.notices(HOME)
    assert notice["kind"] == "not_ready"

    # when the bucket is back, new writes replicate again, but the failure stays counted for
    # the hour the check looks back over (S3 does not retry a FAILED object)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": HOME})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    primary.put_object(Bucket=source, Key="orders/2.json", Body=b"{}")
    assert (
        primary.head_object(Bucket=source, Key="orders/2.json")["ReplicationStatus"] == "COMPLETED"
    )
    assert by_name(evaluate(estate))["data.s3_replication"]["status"] == "FAIL"
    assert estate.notices(HOME) == []


def test_the_templates_schedule_runs_the_evaluation_on_its_own() -> None:
    # given the estate as deployed, its readiness rule on a one-minute schedule
    for estate in build(EstateSpec(automatic_triggers=True, readiness_schedule="rate(1 minute)")):
        estate.emulator.start_world(step=1.0)
        try:
            # when two modelled minutes pass with nobody invoking anything
            estate.advance(125)
        finally:
            estate.emulator.stop_world()

        # then the schedule has evaluated the region and stored the result
        evaluation = stored(estate)
        assert evaluation["region"] == HOME
        assert {check["name"] for check in evaluation["checks"]} >= set(IN_SCOPE)
