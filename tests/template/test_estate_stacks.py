"""Invariants of the estate stacks (stacks/*.yaml) and their wiring into the control plane.

Given the templates as CloudFormation reads them (short-form tags expanded by cfn_yaml), when a
reviewer's question is asked of them, then the answer is the one ARCHITECTURE.md requires.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from testbed.template import expand_foreach
from tests.template.cfn_yaml import REPO_ROOT, load_template

Template = dict[str, Any]
# A three-region estate in priority order: the global stack's Fn::ForEach expanded for it.
REGIONS = ("us-east-1", "eu-west-1", "us-west-2")


def key(region: str) -> str:
    """A region as the stacks' logical ids carry it (&{Region}: us-east-1 -> useast1)."""
    return region.replace("-", "")


@pytest.fixture(scope="module")
def region() -> Template:
    return load_template(REPO_ROOT / "stacks" / "region.yaml")


@pytest.fixture(scope="module")
def global_() -> Template:
    return expand_foreach(
        load_template(REPO_ROOT / "stacks" / "global.yaml"), {"Regions": list(REGIONS)}
    )


@pytest.fixture(scope="module")
def control() -> Template:
    return expand_foreach(load_template(REPO_ROOT / "template.yaml"), {"Regions": list(REGIONS)})


@pytest.fixture(scope="module")
def all_templates(region: Template, global_: Template, control: Template) -> dict[str, Template]:
    return {
        "stacks/region.yaml": region,
        "stacks/global.yaml": global_,
        "stacks/lease.yaml": load_template(REPO_ROOT / "stacks" / "lease.yaml"),
        "template.yaml": control,
    }


def of_type(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def props(template: Template, name: str) -> dict[str, Any]:
    properties: dict[str, Any] = template["Resources"][name].get("Properties", {})
    return properties


def sub_text(value: Any) -> str:
    """The format string of a Fn::Sub (either form), or a plain string."""
    if isinstance(value, str):
        return value
    sub = value["Fn::Sub"]
    return sub if isinstance(sub, str) else str(sub[0])


# --------------------------------------------------------------------------- region stack


def test_region_stack_holds_every_per_region_resource(region: Template) -> None:
    expected = {
        "AWS::EC2::VPC": 1,
        "AWS::EC2::Subnet": 9,
        "AWS::EC2::NatGateway": 3,
        "AWS::EC2::VPCEndpoint": 1,
        "AWS::ElasticLoadBalancingV2::LoadBalancer": 1,
        "AWS::ElasticLoadBalancingV2::Listener": 2,
        "AWS::ElasticLoadBalancingV2::TargetGroup": 1,
        "AWS::ECS::Cluster": 1,
        "AWS::ECS::Service": 1,
        "AWS::RDS::GlobalCluster": 1,
        "AWS::RDS::DBCluster": 2,
        "AWS::RDS::DBInstance": 1,
        "AWS::S3::Bucket": 2,
        "AWS::SecretsManager::Secret": 1,
        "AWS::KMS::Key": 1,
    }
    counts = {t: len(of_type(region, t)) for t in expected}
    assert counts == expected


def test_subnets_are_public_private_and_database_across_three_azs(region: Template) -> None:
    tiers: dict[str, set[int]] = {}
    for name, subnet in of_type(region, "AWS::EC2::Subnet").items():
        tier = re.sub(r"Subnet\d$", "", name)
        az_index = subnet["Properties"]["AvailabilityZone"]["Fn::Select"][0]
        tiers.setdefault(tier, set()).add(az_index)
    assert tiers == {"Public": {0, 1, 2}, "Private": {0, 1, 2}, "Database": {0, 1, 2}}


def test_one_nat_per_az_or_a_single_nat_by_parameter(region: Template) -> None:
    assert region["Conditions"]["NatPerAz"] == {
        "Fn::Equals": [{"Ref": "SingleNatGateway"}, "false"]
    }
    assert "Condition" not in region["Resources"]["NatGateway1"]
    for n in (2, 3):
        assert region["Resources"][f"NatGateway{n}"]["Condition"] == "NatPerAz"
        route = props(region, f"PrivateDefaultRoute{n}")["NatGatewayId"]
        assert route == {"Fn::If": ["NatPerAz", {"Ref": f"NatGateway{n}"}, {"Ref": "NatGateway1"}]}
    # Database subnets never route out of the VPC.
    routes = of_type(region, "AWS::EC2::Route")
    assert all(
        r["Properties"]["RouteTableId"] != {"Ref": "DatabaseRouteTable"} for r in routes.values()
    )


def test_alb_serves_https_with_a_tls13_policy_and_redirects_http(region: Template) -> None:
    https = props(region, "HttpsListener")
    assert https["Protocol"] == "HTTPS"
    assert https["Port"] == 443
    assert https["SslPolicy"].startswith("ELBSecurityPolicy-TLS13-")
    certificate = https["Certificates"][0]["CertificateArn"]
    assert certificate == {
        "Fn::If": ["CreateCertificate", {"Ref": "Certificate"}, {"Ref": "CertificateArn"}]
    }
    assert props(region, "Certificate")["ValidationMethod"] == "DNS"
    redirect = props(region, "HttpRedirectListener")
    assert redirect["Port"] == 80
    assert [a["Type"] for a in redirect["DefaultActions"]] == ["redirect"]
    assert redirect["DefaultActions"][0]["RedirectConfig"]["Protocol"] == "HTTPS"


def test_target_group_health_checks_health(region: Template) -> None:
    target_group = props(region, "TargetGroup")
    assert target_group["HealthCheckPath"] == "/health"
    assert target_group["TargetType"] == "ip"


def test_alb_writes_access_logs_to_the_logs_bucket(region: Template) -> None:
    attributes = {
        a["Key"]: a["Value"] for a in props(region, "LoadBalancer")["LoadBalancerAttributes"]
    }
    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["access_logs.s3.bucket"] == {"Ref": "LogsBucket"}


# Every commercial region with an ELB log-writer account (the ALB user guide's list, plus
# ap-southeast-3 from aws-cdk's region-info table).
ELB_LOG_ACCOUNT_REGIONS = {
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
    "ap-southeast-2", "ap-southeast-3", "ca-central-1", "eu-central-1", "eu-north-1",
    "eu-south-1", "eu-west-1", "eu-west-2", "eu-west-3", "me-south-1", "sa-east-1",
}  # fmt: skip


def test_alb_access_logs_can_be_written_in_every_commercial_region(region: Template) -> None:
    """The service principal everywhere; the regional ELB account where one exists, and a lookup
    that cannot fail the deploy in a region that has none (FindInMap with a DefaultValue)."""
    assert region["Transform"] == "AWS::LanguageExtensions"
    assert set(region["Mappings"]["ElbLogAccount"]) == ELB_LOG_ACCOUNT_REGIONS
    statements = {
        s["Sid"]: s for s in props(region, "LogsBucketPolicy")["PolicyDocument"]["Statement"]
    }
    log_prefix = "${LogsBucket.Arn}/alb/AWSLogs/${AWS::AccountId}/*"
    service = statements["ElbAccessLogsServicePrincipal"]
    assert service["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    assert (service["Action"], sub_text(service["Resource"])) == ("s3:PutObject", log_prefix)
    assert "Condition" not in service  # statements with a Condition can fail closed
    regional = statements["ElbAccessLogsRegionalAccount"]
    account = regional["Principal"]["AWS"]["Fn::Sub"][1]["ElbAccount"]["Fn::FindInMap"]
    assert account[:3] == ["ElbLogAccount", {"Ref": "AWS::Region"}, "Id"]
    assert account[3] == {"DefaultValue": {"Ref": "AWS::AccountId"}}
    assert (regional["Action"], sub_text(regional["Resource"])) == ("s3:PutObject", log_prefix)


def test_private_subnets_reach_s3_through_a_gateway_endpoint(region: Template) -> None:
    endpoint = props(region, "S3GatewayEndpoint")
    assert endpoint["VpcEndpointType"] == "Gateway"
    assert sub_text(endpoint["ServiceName"]) == "com.amazonaws.${AWS::Region}.s3"
    assert endpoint["VpcId"] == {"Ref": "Vpc"}
    private_tables = {
        r["Properties"]["RouteTableId"]["Ref"]
        for name, r in of_type(region, "AWS::EC2::SubnetRouteTableAssociation").items()
        if name.startswith("PrivateSubnet")
    }
    assert {t["Ref"] for t in endpoint["RouteTableIds"]} == private_tables
    resources = [
        sub_text(r) if not isinstance(r, str) else r
        for statement in endpoint["PolicyDocument"]["Statement"]
        for r in (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        )
    ]
    # ECR keeps image layers in S3: without this bucket the tasks could not pull their image.
    assert "arn:${AWS::Partition}:s3:::prod-${AWS::Region}-starport-layer-bucket/*" in resources


def test_fargate_service_has_insights_circuit_breaker_and_parameters(region: Template) -> None:
    settings = props(region, "EcsCluster")["ClusterSettings"]
    assert {"Name": "containerInsights", "Value": "enabled"} in settings
    service = props(region, "Service")
    assert service["LaunchType"] == "FARGATE"
    assert service["DesiredCount"] == {"Ref": "DesiredCount"}
    assert service["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {
        "Enable": True,
        "Rollback": True,
    }
    assert service["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    task = props(region, "TaskDefinition")
    assert task["Cpu"] == {"Ref": "TaskCpu"}
    assert task["Memory"] == {"Ref": "TaskMemory"}
    container = task["ContainerDefinitions"][0]
    assert container["Image"] == {"Ref": "ContainerImage"}
    assert container["PortMappings"][0]["ContainerPort"] == {"Ref": "ContainerPort"}
    assert container["LogConfiguration"]["Options"]["awslogs-group"] == {"Ref": "AppLogGroup"}


def test_task_gets_its_own_clusters_endpoints_bucket_region_and_active_region_parameter(
    region: Template,
) -> None:
    container = props(region, "TaskDefinition")["ContainerDefinitions"][0]
    environment = {e["Name"]: e["Value"] for e in container["Environment"]}
    assert environment["DB_WRITER_ENDPOINT"] == {
        "Fn::If": [
            "IsPrimary",
            {"Fn::GetAtt": ["PrimaryDbCluster", "Endpoint.Address"]},
            {"Fn::GetAtt": ["SecondaryDbCluster", "Endpoint.Address"]},
        ]
    }
    assert environment["DB_READER_ENDPOINT"]["Fn::If"][1:] == [
        {"Fn::GetAtt": ["PrimaryDbCluster", "ReadEndpoint.Address"]},
        {"Fn::GetAtt": ["SecondaryDbCluster", "ReadEndpoint.Address"]},
    ]
    assert environment["DB_WRITE_FORWARDING"] == {"Fn::If": ["ReadLocal", "true", "false"]}
    assert environment["TOPOLOGY"] == {"Ref": "Topology"}
    assert "GlobalWriterEndpoint" not in region["Parameters"]
    assert environment["BUCKET_NAME"] == {"Ref": "DataBucket"}
    assert environment["APP_REGION"] == {"Ref": "AWS::Region"}
    assert "ACTIVE_REGION_PARAMETER" in environment
    secrets = {s["Name"] for s in container["Secrets"]}
    assert secrets == {"DB_USERNAME", "DB_PASSWORD"}


def direct_dependencies(template: Template, name: str) -> set[str]:
    """The resources CloudFormation creates before ``name``: DependsOn, Ref, GetAtt and Sub."""
    resources = template["Resources"]
    resource = resources[name]
    found: set[str] = set()
    depends = resource.get("DependsOn", [])
    found.update([depends] if isinstance(depends, str) else depends)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "Ref" and isinstance(value, str):
                    found.add(value)
                elif key == "Fn::GetAtt":
                    target = value[0] if isinstance(value, list) else value.split(".")[0]
                    found.add(target)
                elif key == "Fn::Sub":
                    text = value if isinstance(value, str) else value[0]
                    found.update(ref.split(".")[0] for ref in re.findall(r"\$\{([^}!]+)\}", text))
                    walk(value if isinstance(value, str) else value[1])
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(resource.get("Properties", {}))
    return found & set(resources)


def created_before(template: Template, name: str) -> set[str]:
    """Every resource ``name`` waits for, transitively."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        for dependency in direct_dependencies(template, todo.pop()) - seen:
            seen.add(dependency)
            todo.append(dependency)
    return seen


def test_the_ecs_service_waits_for_the_database_instance_and_all_the_contract_needs(
    region: Template,
) -> None:
    # /health answers 503 until SELECT 1 on the reader endpoint succeeds: that needs the
    # cluster's instance, which comes up long after the cluster (docs/DEPLOY.md contract).
    before = created_before(region, "Service")
    assert "DbInstance" in before
    assert {
        "PrimaryDbCluster",
        "SecondaryDbCluster",
        "HttpsListener",
        "TargetGroup",
        "TaskDefinition",
        "TaskExecutionRole",
        "TaskRole",
        "AppLogGroup",
        "DataBucket",
        "DbMasterSecret",
        "DatabaseFromTasksIngress",
        "TasksFromAlbIngress",
    } <= before
    # The grace period is a parameter, long enough for 2 healthy checks at the interval.
    service = props(region, "Service")
    grace = region["Parameters"][service["HealthCheckGracePeriodSeconds"]["Ref"]]
    target_group = props(region, "TargetGroup")
    healthy_after = (
        target_group["HealthyThresholdCount"] * target_group["HealthCheckIntervalSeconds"]
    )
    assert grace["Default"] >= 3 * healthy_after


def test_a_service_that_waits_only_for_the_cluster_is_caught(region: Template) -> None:
    broken = json.loads(json.dumps(region))
    broken["Resources"]["Service"]["DependsOn"] = ["HttpsListener"]
    assert "DbInstance" not in created_before(broken, "Service")


def test_aurora_is_serverless_v2_encrypted_and_the_password_never_a_parameter(
    region: Template,
) -> None:
    for name in ("PrimaryDbCluster", "SecondaryDbCluster"):
        cluster = props(region, name)
        assert cluster["Engine"] == "aurora-postgresql"
        assert cluster["StorageEncrypted"] is True
        assert cluster["KmsKeyId"] == {"Fn::GetAtt": ["EstateKey", "Arn"]}
        assert set(cluster["ServerlessV2ScalingConfiguration"]) == {"MinCapacity", "MaxCapacity"}
        assert cluster["DeletionProtection"] == {"Fn::If": ["DeletionProtectionOn", True, False]}
    assert props(region, "DbInstance")["DBInstanceClass"] == "db.serverless"
    # Both clusters of a global database stay on one engine version (managed switchover and
    # failover need it): minor upgrades are a runbook step, secondary first.
    assert props(region, "DbInstance")["AutoMinorVersionUpgrade"] is False
    # Secrets Manager generates the password; CloudFormation resolves it at deploy time.
    password = sub_text(props(region, "PrimaryDbCluster")["MasterUserPassword"])
    assert password.startswith("{{resolve:secretsmanager:${DbMasterSecret}:")
    assert "GenerateSecretString" in props(region, "DbMasterSecret")
    assert not [p for p in region["Parameters"] if "password" in p.lower()]
    # The secondary joins with no credentials of its own.
    secondary = props(region, "SecondaryDbCluster")
    assert "MasterUsername" not in secondary
    assert "MasterUserPassword" not in secondary


def test_primary_creates_the_global_cluster_and_the_secondary_joins_it(region: Template) -> None:
    resources = region["Resources"]
    assert resources["GlobalCluster"]["Condition"] == "IsPrimary"
    assert resources["PrimaryDbCluster"]["Condition"] == "IsPrimary"
    assert resources["SecondaryDbCluster"]["Condition"] == "IsSecondary"
    assert props(region, "PrimaryDbCluster")["GlobalClusterIdentifier"] == {"Ref": "GlobalCluster"}
    created = sub_text(props(region, "GlobalCluster")["GlobalClusterIdentifier"])
    joined = sub_text(props(region, "SecondaryDbCluster")["GlobalClusterIdentifier"])
    assert created == joined == "${EstateName}-global"
    assert props(region, "GlobalCluster")["StorageEncrypted"] is True


def test_data_bucket_is_versioned_encrypted_private_tls_only_and_replicates(
    region: Template,
) -> None:
    bucket = props(region, "DataBucket")
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    sse = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    statements = props(region, "DataBucketPolicy")["PolicyDocument"]["Statement"]
    assert {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": statements[0]["Resource"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        "Sid": "DenyInsecureTransport",
    } in statements
    enabled, replication, disabled = bucket["ReplicationConfiguration"]["Fn::If"]
    assert enabled == "ReplicationEnabled"
    assert disabled == {"Ref": "AWS::NoValue"}
    # One rule per other region (up to three), the second and third under their conditions.
    first, *more = replication["Rules"]
    rules = [first] + [rule["Fn::If"][1] for rule in more]
    assert [rule["Fn::If"][0] for rule in more] == ["ReplicatesToTwo", "ReplicatesToThree"]
    assert [rule["Priority"] for rule in rules] == [1, 2, 3]
    for slot, rule in enumerate(rules):
        assert rule["DeleteMarkerReplication"] == {"Status": "Enabled"}
        assert rule["SourceSelectionCriteria"]["ReplicaModifications"] == {"Status": "Enabled"}
        # Readiness (data.s3_replication) reads the S3 Replication metrics: S3 publishes them
        # only for rules with metrics enabled.
        assert rule["Destination"]["Metrics"] == {"Status": "Enabled"}
        text, variables = rule["Destination"]["Bucket"]["Fn::Sub"]
        assert text.endswith(":s3:::${EstateName}-data-${AWS::AccountId}-${To}")
        assert variables["To"]["Fn::Select"][0] == slot
        assert "ReplicationRegions" in json.dumps(variables["To"])
    assert sub_text(bucket["BucketName"]) == "${EstateName}-data-${AWS::AccountId}-${AWS::Region}"


def test_replication_role_reaches_only_the_estates_buckets_and_their_keys(
    region: Template,
) -> None:
    own = "arn:${AWS::Partition}:s3:::${EstateName}-data-${AWS::AccountId}-${AWS::Region}"
    other = "arn:${AWS::Partition}:s3:::${EstateName}-data-${AWS::AccountId}-${To}"
    allowed_s3 = {own, f"{own}/*", f"{other}/*"}
    other_key = "arn:${AWS::Partition}:kms:${To}:${AWS::AccountId}:key/${Key}"
    role = props(region, "ReplicationRole")
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "s3.amazonaws.com"
    }
    assert "ManagedPolicyArns" not in role

    def unslot(value: Any) -> Any:
        # a destination's entry: the first always, the second and third under a condition
        return value["Fn::If"][1] if isinstance(value, dict) and "Fn::If" in value else value

    for policy in role["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            resources = statement["Resource"]
            resources = [
                unslot(r) for r in (resources if isinstance(resources, list) else [resources])
            ]
            actions = statement["Action"]
            actions = actions if isinstance(actions, list) else [actions]
            services = {a.split(":")[0] for a in actions}
            assert len(services) == 1
            if services == {"s3"}:
                assert {sub_text(r) for r in resources} <= allowed_s3
            else:
                assert services == {"kms"}
                texts = {sub_text(r) if "Fn::Sub" in r else json.dumps(r) for r in resources}
                assert texts in ({json.dumps({"Fn::GetAtt": ["EstateKey", "Arn"]})}, {other_key})
                assert "kms:ViaService" in statement["Condition"]["StringEquals"]


def test_security_groups_allow_only_the_three_paths(region: Template) -> None:
    alb = props(region, "AlbSecurityGroup")
    assert sorted((r["FromPort"], r["CidrIp"]) for r in alb["SecurityGroupIngress"]) == [
        (80, "0.0.0.0/0"),
        (443, "0.0.0.0/0"),
    ]
    assert "SecurityGroupIngress" not in props(region, "TaskSecurityGroup")
    assert "SecurityGroupIngress" not in props(region, "DatabaseSecurityGroup")
    ingress = {
        (
            r["Properties"]["GroupId"]["Fn::GetAtt"][0],
            r["Properties"]["SourceSecurityGroupId"]["Fn::GetAtt"][0],
            json.dumps(r["Properties"]["FromPort"]),
        )
        for r in of_type(region, "AWS::EC2::SecurityGroupIngress").values()
    }
    assert ingress == {
        ("TaskSecurityGroup", "AlbSecurityGroup", '{"Ref": "ContainerPort"}'),
        ("DatabaseSecurityGroup", "TaskSecurityGroup", "5432"),
    }
    # Every group declares its egress inline, which replaces EC2's default allow-all rule (a
    # separate AWS::EC2::SecurityGroupEgress would only add to it).
    assert of_type(region, "AWS::EC2::SecurityGroupEgress") == {}
    egress = {
        (
            name,
            rule.get("DestinationSecurityGroupId", {}).get("Fn::GetAtt", [rule.get("CidrIp")])[0],
            json.dumps(rule["FromPort"]),
        )
        for name, group in of_type(region, "AWS::EC2::SecurityGroup").items()
        for rule in group["Properties"]["SecurityGroupEgress"]
    }
    assert egress == {
        ("AlbSecurityGroup", "TaskSecurityGroup", '{"Ref": "ContainerPort"}'),
        ("TaskSecurityGroup", "0.0.0.0/0", "443"),  # AWS APIs, the image registry
        ("TaskSecurityGroup", "DatabaseSecurityGroup", "5432"),
        ("DatabaseSecurityGroup", "127.0.0.1/32", "252"),  # no egress: a rule that matches nothing
    }


# --------------------------------------------------------------------------- global stack


def test_global_stack_holds_dns_accelerator_and_monitoring(
    global_: Template, region: Template
) -> None:
    assert global_["Resources"]["HostedZone"]["Condition"] == "CreateHostedZone"
    for name in REGIONS:
        check = props(global_, f"HealthCheck{key(name)}")["HealthCheckConfig"]
        assert check["Type"] == "HTTPS"
        assert check["ResourcePath"] == "/health"
        assert check["RequestInterval"] == {"Ref": "HealthCheckInterval"}
        assert check["FailureThreshold"] == {"Ref": "HealthCheckFailureThreshold"}
        assert "AlbDnsNames" in json.dumps(check["FullyQualifiedDomainName"])
        assert f",{name}=" in json.dumps(check["FullyQualifiedDomainName"])
        record = props(global_, f"LatencyRecord{key(name)}")
        assert global_["Resources"][f"LatencyRecord{key(name)}"]["Condition"] == "ReadLocal"
        assert record["Region"] == name
        assert record["SetIdentifier"] == name
        assert record["HealthCheckId"] == {"Ref": f"HealthCheck{key(name)}"}
        assert record["AliasTarget"]["EvaluateTargetHealth"] is True
        group = props(global_, f"EndpointGroup{key(name)}")
        assert group["EndpointGroupRegion"] == name
        assert group["HealthCheckPath"] == "/health"
        assert (group["HealthCheckProtocol"], group["HealthCheckPort"]) == ("HTTPS", 443)
        assert "AlbArns" in json.dumps(group["EndpointConfigurations"][0]["EndpointId"])
        assert "TrafficDials" in json.dumps(group["TrafficDialPercentage"])
    listener = props(global_, "Listener")
    assert listener["Protocol"] == "TCP"
    assert listener["ClientAffinity"] == "SOURCE_IP"
    # 443, and 80 so that http:// reaches the ALB's redirect; health stays HTTPS on 443.
    assert listener["PortRanges"] == [
        {"FromPort": 80, "ToPort": 80},
        {"FromPort": 443, "ToPort": 443},
    ]
    redirect = props(region, "HttpRedirectListener")
    assert redirect["Port"] == 80
    assert redirect["DefaultActions"][0]["RedirectConfig"]["Protocol"] == "HTTPS"
    accelerator = props(global_, "Accelerator")
    assert accelerator["FlowLogsEnabled"] is True
    assert accelerator["FlowLogsS3Bucket"] == {"Ref": "FlowLogsBucketName"}


def test_logs_bucket_lets_log_delivery_write_ga_flow_logs(region: Template) -> None:
    statements = props(region, "LogsBucketPolicy")["PolicyDocument"]["Statement"]
    delivery = next(s for s in statements if s["Sid"] == "LogDeliveryWrite")
    assert delivery["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert any("/ga-flow-logs/" in sub_text(r) for r in delivery["Resource"])


def test_each_health_alarm_forwards_to_every_other_regions_failover_bus(
    global_: Template,
) -> None:
    bus = "arn:${AWS::Partition}:events:${Other}:${AWS::AccountId}:event-bus/${EstateName}-failover"
    for name in REGIONS:
        alarm = props(global_, f"HealthAlarm{key(name)}")
        assert sub_text(alarm["AlarmName"]) == f"${{EstateName}}-health-{name}"
        assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Route53", "HealthCheckStatus")
        assert alarm["Dimensions"] == [
            {"Name": "HealthCheckId", "Value": {"Ref": f"HealthCheck{key(name)}"}}
        ]
        rule = props(global_, f"HealthForwardRule{key(name)}")
        assert rule["EventBusName"] == "default"
        pattern = rule["EventPattern"]
        assert pattern["detail-type"] == ["CloudWatch Alarm State Change"]
        assert pattern["resources"] == [{"Fn::GetAtt": [f"HealthAlarm{key(name)}", "Arn"]}]
        assert pattern["detail"]["state"]["value"] == ["ALARM"]
        # One target per other region: the first always, the second with three or more
        # regions, the third with four (EventBridge allows five per rule).
        first, second, third = rule["Targets"]
        assert second["Fn::If"][0] == "ThreeOrMoreRegions"
        assert third["Fn::If"][0] == "FourRegions"
        for slot, target in enumerate([first, second["Fn::If"][1], third["Fn::If"][1]], 1):
            text, variables = target["Arn"]["Fn::Sub"]
            assert text == bus
            other = variables["Other"]["Fn::Select"]
            assert other[0] == slot
            assert f",{name}," in json.dumps(other[1])  # every region but this one
            assert target["RoleArn"] == {"Fn::GetAtt": ["ForwardRole", "Arn"]}
            assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
            assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    role = props(global_, "ForwardRole")["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert role["Action"] == "events:PutEvents"
    assert sub_text(role["Resource"]) == (
        "arn:${AWS::Partition}:events:*:${AWS::AccountId}:event-bus/${EstateName}-failover"
    )


def test_failover_bus_rule_starts_the_state_machine(global_: Template, control: Template) -> None:
    """The other half of the chain, in template.yaml: bus -> rule -> FailoverStateMachine."""
    bus = of_type(control, "AWS::Events::EventBus")
    (bus_name,) = [
        n for n, b in bus.items() if sub_text(b["Properties"]["Name"]).endswith("-failover")
    ]
    assert sub_text(props(control, bus_name)["Name"]) == "${EstateName}-failover"
    rules = [
        r["Properties"]
        for r in of_type(control, "AWS::Events::Rule").values()
        if r["Properties"].get("EventBusName") == {"Ref": bus_name}
    ]
    assert rules, "no rule on the failover bus"
    for rule in rules:
        pattern = rule["EventPattern"]
        assert pattern["detail-type"] == ["CloudWatch Alarm State Change"]
        assert pattern["detail"]["state"]["value"] == ["ALARM"]
        alarm_names = json.dumps(pattern["detail"].get("alarmName", []))
        assert "${EstateName}-health-${PeerRegion}" in alarm_names
        (target,) = rule["Targets"]
        assert target["Arn"] == {"Ref": "FailoverStateMachine"}
        assert "RetryPolicy" in target
        assert "Arn" in target["DeadLetterConfig"]
    # The state machine the bus rules start has the fixed name the estate's alarms expect.
    machine = props(control, "FailoverStateMachine")
    assert sub_text(machine["Name"]) == "${EstateName}-failover"


# --------------------------------------------------------------------------- every template


def _statements(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        statements = node.get("Statement")
        # Policy documents, and SAM's inline `Policies: [{Statement: ...}]` (no Version).
        for statement in statements if isinstance(statements, list) else [statements]:
            if isinstance(statement, dict) and "Effect" in statement:
                yield path, statement
        for key, value in node.items():
            yield from _statements(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _statements(value, f"{path}/{index}")


def _is_default_key_admin(path: str, template: Template, statement: dict[str, Any]) -> bool:
    """The default key policy statement: the account root administers the key through IAM."""
    resource = path.split("/")[2]
    principal = json.dumps(statement.get("Principal", {}))
    return (
        template["Resources"][resource]["Type"] == "AWS::KMS::Key"
        and ":root" in principal
        and statement["Action"] == "kms:*"
    )


def test_no_policy_allows_a_wildcard_action(all_templates: dict[str, Template]) -> None:
    offenders = []
    for file, template in all_templates.items():
        for path, statement in _statements(template["Resources"], "/Resources"):
            if statement.get("Effect") != "Allow":
                continue
            assert "NotAction" not in statement, f"{file}{path}"
            actions = statement["Action"]
            for action in actions if isinstance(actions, list) else [actions]:
                wildcard = action == "*" or action.endswith(":*")
                if wildcard and not _is_default_key_admin(path, template, statement):
                    offenders.append(f"{file}{path}: {action}")
    assert offenders == []


def test_every_log_group_has_retention(all_templates: dict[str, Template]) -> None:
    for file, template in all_templates.items():
        for name, group in of_type(template, "AWS::Logs::LogGroup").items():
            assert "RetentionInDays" in group.get("Properties", {}), f"{file} {name}"


def test_every_store_is_encrypted(all_templates: dict[str, Template]) -> None:
    checks: dict[str, Callable[[dict[str, Any]], Any]] = {
        "AWS::S3::Bucket": lambda p: "BucketEncryption" in p,
        "AWS::RDS::DBCluster": lambda p: p.get("StorageEncrypted") is True,
        "AWS::RDS::GlobalCluster": lambda p: p.get("StorageEncrypted") is True,
        "AWS::SQS::Queue": lambda p: "KmsMasterKeyId" in p or p.get("SqsManagedSseEnabled"),
        "AWS::SNS::Topic": lambda p: "KmsMasterKeyId" in p,
        "AWS::SecretsManager::Secret": lambda p: "KmsKeyId" in p,
        "AWS::DynamoDB::Table": lambda p: p.get("SSESpecification", {}).get("SSEEnabled"),
        "AWS::DynamoDB::GlobalTable": lambda p: p.get("SSESpecification", {}).get("SSEEnabled"),
    }
    for file, template in all_templates.items():
        for name, resource in template["Resources"].items():
            check = checks.get(resource["Type"])
            if check is not None:
                assert check(resource.get("Properties", {})), f"{file} {name} is not encrypted"


def test_stack_outputs_cover_what_the_other_stacks_need(
    region: Template, global_: Template
) -> None:
    assert {
        "AlbArn",
        "AlbDnsName",
        "AlbCanonicalHostedZoneId",
        "EcsClusterName",
        "EcsServiceName",
        "DbClusterArn",
        "DbClusterIdentifier",
        "GlobalClusterId",
        "BucketName",
        "BucketArn",
        "LogsBucketName",
        "KmsKeyId",
        "DbSecretArn",
    } <= set(region["Outputs"])
    assert {"HostedZoneId", "RecordName", "AcceleratorArn", "AcceleratorDnsName"} | {
        f"{output}{key(name)}"
        for name in REGIONS
        for output in ("HealthCheckId", "HealthAlarmName", "HealthUrl", "EndpointGroupArn")
    } <= set(global_["Outputs"])


def test_eventbridge_dead_letters_need_no_key_policy_it_cannot_satisfy(
    all_templates: dict[str, Template],
) -> None:
    # EventBridge does not send aws:SourceAccount to KMS, so a CMK-encrypted dead-letter queue
    # whose key policy conditions EventBridge on it refuses every dead letter. Every queue that
    # EventBridge dead-letters to is SSE-SQS, and no key policy names EventBridge that way.
    for file, template in all_templates.items():
        for name, queue in of_type(template, "AWS::SQS::Queue").items():
            properties = queue["Properties"]
            assert properties.get("SqsManagedSseEnabled") is True, f"{file} {name}"
            assert "KmsMasterKeyId" not in properties, f"{file} {name}"
        for name, key in of_type(template, "AWS::KMS::Key").items():
            for statement in key["Properties"]["KeyPolicy"]["Statement"]:
                services = statement.get("Principal", {}).get("Service", [])
                services = services if isinstance(services, list) else [services]
                assert "events.amazonaws.com" not in services, f"{file} {name}"


def test_the_game_day_injects_this_regions_outage_with_stop_conditions(
    control: Template, region: Template
) -> None:
    experiments = of_type(control, "AWS::FIS::ExperimentTemplate")
    assert set(experiments) == {"GameDayStopTasks", "GameDayAlb503", "GameDayNetwork"}
    actions = set()
    for experiment in experiments.values():
        properties = experiment["Properties"]
        # Stops when the recovery region fails its probe: both down is an outage, not a drill.
        assert properties["StopConditions"] == [
            {"Source": "aws:cloudwatch:alarm", "Value": {"Fn::GetAtt": ["PeerProbeAlarm", "Arn"]}}
        ]
        assert properties["RoleArn"] == {"Fn::GetAtt": ["GameDayRole", "Arn"]}
        actions |= {a["ActionId"] for a in properties["Actions"].values()}
    assert actions == {
        "aws:ecs:stop-task",
        "aws:ssm:start-automation-execution",
        "aws:network:disrupt-connectivity",
    }
    # The network experiment cuts only this estate's public subnets (tagged by the region stack).
    subnets = experiments["GameDayNetwork"]["Properties"]["Targets"]["PublicSubnets"]
    assert subnets["ResourceTags"] == {
        "FailoverEstate": {"Ref": "EstateName"},
        "FailoverSubnetTier": "public",
    }
    for n in (1, 2, 3):
        tags = {t["Key"]: t["Value"] for t in props(region, f"PublicSubnet{n}")["Tags"]}
        assert tags["FailoverSubnetTier"] == "public"
        assert tags["FailoverEstate"] == {"Ref": "EstateName"}
    tasks = experiments["GameDayStopTasks"]["Properties"]["Targets"]["AppTasks"]
    assert tasks["ResourceType"] == "aws:ecs:task"
    assert set(tasks["Parameters"]) == {"cluster", "service"}
    # The 503 rule is removed when the hold ends, fails or is cancelled (experiment stopped).
    content = props(control, "GameDayAlb503Document")["Content"]
    steps = {step["name"]: step for step in content["mainSteps"]}
    assert steps["AddOutageRule"]["inputs"]["Api"] == "CreateRule"
    hold = steps["HoldTheOutage"]
    assert hold["onCancel"] == hold["onFailure"] == "step:RemoveOutageRule"
    assert steps["RemoveOutageRule"]["inputs"]["Api"] == "DeleteRule"
    [response] = steps["AddOutageRule"]["inputs"]["Actions"]
    assert response["FixedResponseConfig"]["StatusCode"] == "503"
    # The automation may touch only its listener and that listener's rules.
    policy = props(control, "GameDayAutomationRole")["Policies"][0]["PolicyDocument"]
    granted = {a for st in policy["Statement"] for a in _as_actions(st)}
    assert granted == {"elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule"}


def _as_actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def test_a_new_priority_order_keeps_every_resource_as_it_is() -> None:
    """Logical ids and content carry the region, not its place: reordering Regions replaces
    nothing (a replaced alarm or rule would be deleted by name after its replacement was
    created). What the order decides (the primary's dial of 100, the forwarding targets, the
    dashboards' lines) is read from Regions at deploy time."""
    template = load_template(REPO_ROOT / "stacks" / "global.yaml")
    before = expand_foreach(template, {"Regions": list(REGIONS)})["Resources"]
    reordered = [REGIONS[2], REGIONS[0], REGIONS[1]]
    after = expand_foreach(template, {"Regions": reordered})["Resources"]
    assert before == after
    assert "HealthAlarmuswest2" in after
