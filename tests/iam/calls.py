"""Every AWS call the control plane's functions make, recorded, and what IAM each one needs.

The recorder is a botocore ``before-parameter-build`` handler: it sees every call of every
client with the call's own parameters (before serialisation), and keeps those made inside a
Lambda handler (``AWS_LAMBDA_FUNCTION_NAME`` is set while one runs), with the
function's home region.

:func:`requests_for` maps a call to the IAM authorisations it needs: the action (the
service's IAM prefix and the operation, or the documented action where they differ) and the
resource ARN built from the call's own parameters, plus the condition keys the template's
statements test. A call it has no mapping for is an error, so a new call cannot slip by.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.handlers import BUILTIN_HANDLERS

from tests.iam import sar
from tests.iam.policy import ACCOUNT, Request


@dataclass(frozen=True)
class Call:
    function: str
    home: str
    service: str
    operation: str
    region: str
    params: dict[str, Any] = field(hash=False, compare=False)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    def __call__(self, **kwargs: Any) -> None:
        # The emulated Lambda runtime gives each invocation its own environment (a context
        # layer over os.environ), so a call made inside a handler sees that function's name
        # and region, and a call made anywhere else sees none.
        function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        if not function:
            return
        context = kwargs.get("context") or {}
        if context.get("_iam_recorded"):
            return
        context["_iam_recorded"] = True
        model = kwargs["model"]
        params = json.loads(json.dumps(kwargs.get("params") or {}, default=str))
        call = Call(
            function,
            os.environ.get("AWS_REGION", ""),
            model.service_model.service_name,
            model.name,
            str(context.get("client_region") or ""),
            params,
        )
        with self._lock:
            self.calls.append(call)


@contextmanager
def recording() -> Iterator[Recorder]:
    """Record the calls of clients created while this is active (create clients inside it)."""
    recorder = Recorder()
    entry = ("before-parameter-build", recorder)
    BUILTIN_HANDLERS.append(entry)
    try:
        yield recorder
    finally:
        BUILTIN_HANDLERS.remove(entry)


PREFIX = {"stepfunctions": "states", "service-quotas": "servicequotas"}
ACTION = {("s3", "GetBucketReplication"): "s3:GetReplicationConfiguration"}


def _arn(service: str, region: str, resource: str) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{resource}"


def _resources(call: Call) -> list[str]:
    p, region = call.params, call.region
    match (call.service, call.operation):
        case ("dynamodb", _):
            return [_arn("dynamodb", region, f"table/{p['TableName']}")]
        case ("ssm", _):
            return [_arn("ssm", region, f"parameter{p['Name']}")]
        case ("rds", "DescribeGlobalClusters"):
            return [f"arn:aws:rds::{ACCOUNT}:global-cluster:{p['GlobalClusterIdentifier']}"]
        case ("rds", "DescribeDBClusters"):
            return [p["DBClusterIdentifier"]]
        case ("rds", "DescribeDBClusterSnapshots"):
            if "DBClusterSnapshotIdentifier" in p:
                return [_arn("rds", region, f"cluster-snapshot:{p['DBClusterSnapshotIdentifier']}")]
            cluster = p["DBClusterIdentifier"]
            return [
                cluster if cluster.startswith("arn:") else _arn("rds", region, f"cluster:{cluster}")
            ]
        case ("rds", "CopyDBClusterSnapshot"):
            return [
                p["SourceDBClusterSnapshotIdentifier"],
                _arn("rds", region, f"cluster-snapshot:{p['TargetDBClusterSnapshotIdentifier']}"),
            ]
        case ("rds", "FailoverGlobalCluster" | "SwitchoverGlobalCluster"):
            return [
                f"arn:aws:rds::{ACCOUNT}:global-cluster:{p['GlobalClusterIdentifier']}",
                p["TargetDbClusterIdentifier"],
            ]
        case ("globalaccelerator", _):
            return [p["EndpointGroupArn"]]
        case ("ecs", "DescribeServices"):
            return [_arn("ecs", region, f"service/{p['cluster']}/{s}") for s in p["services"]]
        case ("ecs", "UpdateService"):
            return [_arn("ecs", region, f"service/{p['cluster']}/{p['service']}")]
        case (
            ("ecs", "DescribeTaskDefinition")
            | ("cloudwatch", "GetMetricStatistics" | "PutMetricData")
            | ("rds", "DescribeEvents")
        ):
            return ["*"]
        case ("cloudwatch", "DescribeAlarms"):
            return [_arn("cloudwatch", region, f"alarm:{name}") for name in p["AlarmNames"]]
        case ("route53", "GetHealthCheckStatus" | "GetHealthCheck"):
            return [f"arn:aws:route53:::healthcheck/{p['HealthCheckId']}"]
        case ("route53", "ListResourceRecordSets" | "ChangeResourceRecordSets"):
            return [f"arn:aws:route53:::hostedzone/{p['HostedZoneId'].rsplit('/', 1)[-1]}"]
        case ("sns", _):
            return [p["TopicArn"]]
        case ("stepfunctions", _):
            return [p["executionArn"]]
        case ("events", "ListRuleNamesByTarget"):
            return ["*"]  # no resource types (Service Authorization Reference)
        case ("ecr", "DescribeImages"):
            return [_arn("ecr", region, f"repository/{p['repositoryName']}")]
        case ("service-quotas", "GetServiceQuota"):
            return [_arn("servicequotas", region, f"{p['ServiceCode']}/{p['QuotaCode']}")]
        case ("s3", "GetBucketReplication"):
            return [f"arn:aws:s3:::{p['Bucket']}"]
        case ("secretsmanager", _):
            secret = p["SecretId"]
            return [
                secret
                if secret.startswith("arn:")
                else _arn("secretsmanager", region, f"secret:{secret}")
            ]
        case ("lambda", _):
            name = p["FunctionName"]
            return [name if name.startswith("arn:") else _arn("lambda", region, f"function:{name}")]
    raise KeyError(f"no IAM resource mapping for {call.service}:{call.operation}")


def _context(call: Call) -> dict[str, Any]:
    p = call.params
    if call.operation == "PutMetricData":
        return {"cloudwatch:namespace": p.get("Namespace")}
    if call.service == "dynamodb" and isinstance(p.get("Key") or p.get("Item"), dict):
        # the partition key value(s) of an item operation (the LEASE item's grant needs it)
        pk = (p.get("Key") or p.get("Item") or {}).get("pk") or {}
        return {"dynamodb:LeadingKeys": [pk.get("S")]} if "S" in pk else {}
    if call.operation == "Query" and p.get("KeyConditionExpression", "").startswith("pk = :pk"):
        # the partition a Query reads (IAM's dynamodb:LeadingKeys on a query)
        pk = (p.get("ExpressionAttributeValues") or {}).get(":pk") or {}
        return {"dynamodb:LeadingKeys": [pk.get("S")]} if "S" in pk else {}
    if call.operation == "ChangeResourceRecordSets":
        changes = p["ChangeBatch"]["Changes"]
        return {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
                c["ResourceRecordSet"]["Name"].rstrip(".").lower() for c in changes
            ],
            "route53:ChangeResourceRecordSetsRecordTypes": [
                c["ResourceRecordSet"]["Type"] for c in changes
            ],
            "route53:ChangeResourceRecordSetsActions": [c["Action"] for c in changes],
        }
    return {}


class MappingDisagreesWithSar(ValueError):
    """This module maps a call to a resource its action cannot be authorised on."""


def requests_for(call: Call) -> list[Request]:
    """The call's authorisations, each checked against the Service Authorization Reference:
    an action with no resource types is authorised on ``*`` only, any other on an ARN of one
    of its resource types (tests/iam/sar.json). A mapping written by hand cannot drift."""
    action = ACTION.get((call.service, call.operation)) or (
        f"{PREFIX.get(call.service, call.service)}:{call.operation}"
    )
    entry = sar.action(action)
    context = _context(call)
    requests = []
    for resource in _resources(call):
        if (resource == "*") != entry.needs_star or not entry.accepts(resource):
            formats = [t.arn for t in entry.resource_types] or ["*"]
            raise MappingDisagreesWithSar(
                f"{call.service}:{call.operation} mapped to {action} on {resource}; the SAR "
                f"authorises {action} on {formats} ({entry.page})"
            )
        requests.append(Request(action, resource, context))
    return requests
