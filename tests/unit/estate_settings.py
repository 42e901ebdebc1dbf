"""Settings of a two-region estate as plain data, for the product's unit tests (no AWS)."""

from __future__ import annotations

import json
from typing import Any

from failover.config import EstateConfig, Settings

PRIMARY, SECONDARY = "us-east-1", "us-west-2"
ACCOUNT = "123456789012"


def region(name: str) -> dict[str, str]:
    """One region's entries of ESTATE_CONFIG's columns (failover.config.PER_REGION_FIELDS)."""
    return {
        "db_cluster_arn": f"arn:aws:rds:{name}:{ACCOUNT}:cluster:shop-{name}",
        "ecs_cluster": f"shop-{name}",
        "ecs_service": "shop-web",
        "endpoint_group_arn": (
            f"arn:aws:globalaccelerator::{ACCOUNT}:accelerator/a/listener/l/endpoint-group/{name}"
        ),
        "health_check_id": f"hc-{name}",
        "health_url": f"https://{name}.shop.example.com/health",
        "alb_dns_name": f"alb.{name}.elb.amazonaws.com",
        "alb_hosted_zone_id": "Z35SXDOTRQ7X7K",
        "data_bucket": f"shop-data-{name}",
        "db_secret_arn": f"arn:aws:secretsmanager:{name}:{ACCOUNT}:secret:shop-db-AbCdEf",
    }


def estate_dict(regions: tuple[str, ...] = (PRIMARY, SECONDARY)) -> dict[str, Any]:
    """ESTATE_CONFIG as template.yaml builds it: the regions in priority order, then one
    column per per-region field."""
    entries = [region(name) for name in regions]
    return {
        "estate_name": "shop",
        "topology": "active-passive",
        "global_cluster_id": "shop-global",
        "active_region_parameter": "/shop/failover/active-region",
        "hosted_zone_id": "Z1",
        "record_name": "app.shop.example.com",
        "full_capacity": 4,
        "regions": list(regions),
        **{column: [entry[column] for entry in entries] for column in entries[0]},
    }


def environment(home: str = SECONDARY, **extra: str) -> dict[str, str]:
    return {
        "AWS_REGION": home,
        "ESTATE_CONFIG": json.dumps(estate_dict()),
        "FAILOVER_TABLE_NAME": "shop-failover",
        "LEASE_REGIONS": "us-east-1,us-east-2,us-west-2",
        "FAILOVER_TOPIC_ARN": f"arn:aws:sns:{home}:{ACCOUNT}:shop-failover",
        "FAILOVER_EVENT_BUS_ARN": f"arn:aws:events:{home}:{ACCOUNT}:event-bus/shop-failover",
        "FAILOVER_STATE_MACHINE_ARN": f"arn:aws:states:{home}:{ACCOUNT}:stateMachine:shop-failover",
        "VALIDATE_INPUT_FUNCTION_NAME": "shop-validate-input",
        **extra,
    }


def settings(home: str = SECONDARY, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "home_region": home,
        "estate": EstateConfig.from_dict(estate_dict()),
        "table_name": "shop-failover",
        "topic_arn": f"arn:aws:sns:{home}:{ACCOUNT}:shop-failover",
        "lease_regions": ("us-east-1", "us-east-2", "us-west-2"),
    }
    values.update(overrides)
    return Settings(**values)
