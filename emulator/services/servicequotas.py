"""Service Quotas for AWS Fargate: the documented defaults and the values applied to an account.

moto (5.2.5, ``moto/servicequotas/models.py``) knows only the ``vpc`` defaults:
``GetServiceQuota(ServiceCode="fargate", QuotaCode="L-3032A538")`` raises
``NoSuchResourceException``, and ``GetAWSDefaultServiceQuota`` / ``ListServiceQuotas`` are not
implemented at all. This service adds the Fargate quotas (:data:`QUOTAS`) and serves, inside
moto's responses (so ``mock_aws()`` and server mode both see it):

* ``GetServiceQuota`` / ``ListServiceQuotas``: the *applied* value for the caller's account and
  region (the AWS default until :meth:`ServiceQuotas.set_quota` applied another, as an approved
  increase or an account-specific lower value would), with the account in the ``QuotaArn``
  (``arn:aws:servicequotas:<region>:<account>:fargate/<code>``).
* ``GetAWSDefaultServiceQuota`` / ``ListAWSDefaultServiceQuotas``: the AWS default, with no
  account in the ARN (``arn:aws:servicequotas:<region>::fargate/<code>``).
* An unknown quota code of a known service: ``NoSuchResourceException``. Other services fall
  through to moto (``vpc``), whose defaults are also its applied values.

https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html
https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetAWSDefaultServiceQuota.html
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..world import Service, World, default_account, register

if TYPE_CHECKING:
    from .._patching import Patcher

__all__ = ["QUOTAS", "QuotaDefinition", "ServiceQuotas"]


@dataclass(frozen=True)
class QuotaDefinition:
    service_code: str
    service_name: str
    quota_code: str
    quota_name: str
    default: float
    description: str
    usage_dimensions: dict[str, str]


# AWS Fargate's vCPU quotas, per account and Region. Defaults: "Fargate On-Demand vCPU resource
# count | Each supported Region: 6 | Yes" and the same 6 for "Fargate Spot vCPU resource count",
# https://docs.aws.amazon.com/general/latest/gr/ecs-service.html#service-quotas-fargate (the
# AWS Batch API reference repeats it: "The default for the Fargate On-Demand vCPU resource
# count quota is 6 vCPUs", botocore's batch ResourceRequirement.value). The usage metric is
# AWS/Usage ResourceCount with Service=Fargate, Type=Resource, Resource=vCPU and
# Class=Standard/OnDemand or Standard/Spot,
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/monitoring-fargate-usage.html
_FARGATE = "AWS Fargate"
QUOTAS: tuple[QuotaDefinition, ...] = (
    QuotaDefinition(
        "fargate",
        _FARGATE,
        "L-3032A538",
        "Fargate On-Demand vCPU resource count",
        6.0,
        "The number of Fargate vCPUs running concurrently as Fargate On-Demand in this account "
        "in the current Region.",
        {
            "Service": "Fargate",
            "Type": "Resource",
            "Resource": "vCPU",
            "Class": "Standard/OnDemand",
        },
    ),
    QuotaDefinition(
        "fargate",
        _FARGATE,
        "L-36FBB829",
        "Fargate Spot vCPU resource count",
        6.0,
        "The number of Fargate vCPUs running concurrently as Fargate Spot in this account in the "
        "current Region.",
        {"Service": "Fargate", "Type": "Resource", "Resource": "vCPU", "Class": "Standard/Spot"},
    ),
)
_BY_CODE = {(q.service_code, q.quota_code): q for q in QUOTAS}
_SERVICES = frozenset(q.service_code for q in QUOTAS)


def _no_such_resource(message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    error: Exception = JsonRESTError("NoSuchResourceException", message)
    return error


@register
class ServiceQuotas(Service):
    """``world.servicequotas``: quotas and their applied values. See the module docstring."""

    name = "servicequotas"

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self._applied: dict[tuple[str, str, str, str], float] = {}  # (account, region, svc, code)

    # ---------------------------------------------------------------------------- control

    def set_quota(
        self,
        region: str,
        service_code: str,
        quota_code: str,
        value: float,
        account: str | None = None,
    ) -> None:
        """Apply ``value`` to a quota of ``account`` (default: moto's) in ``region``."""
        if (service_code, quota_code) not in _BY_CODE:
            known = ", ".join(f"{s}/{c}" for s, c in sorted(_BY_CODE))
            raise ValueError(f"no emulated quota {service_code}/{quota_code} (known: {known})")
        if value < 0:
            raise ValueError("a quota value is >= 0")
        with self._lock:
            self._applied[(account or default_account(), region, service_code, quota_code)] = float(
                value
            )

    def applied_value(
        self, region: str, service_code: str, quota_code: str, account: str | None = None
    ) -> float:
        """The value ``GetServiceQuota`` returns (the AWS default unless one was applied)."""
        definition = _BY_CODE[(service_code, quota_code)]
        key = (account or default_account(), region, service_code, quota_code)
        with self._lock:
            return self._applied.get(key, definition.default)

    # ------------------------------------------------------------------------------ views

    def quota(
        self, definition: QuotaDefinition, region: str, account: str | None
    ) -> dict[str, Any]:
        """The ``ServiceQuota`` structure: applied (``account`` given) or the AWS default."""
        value = (
            definition.default
            if account is None
            else self.applied_value(region, definition.service_code, definition.quota_code, account)
        )
        return {
            "ServiceCode": definition.service_code,
            "ServiceName": definition.service_name,
            "QuotaArn": (
                f"arn:aws:servicequotas:{region}:{account or ''}:"
                f"{definition.service_code}/{definition.quota_code}"
            ),
            "QuotaCode": definition.quota_code,
            "QuotaName": definition.quota_name,
            "Value": value,
            "Unit": "None",
            "Adjustable": True,
            "GlobalQuota": False,
            "UsageMetric": {
                "MetricNamespace": "AWS/Usage",
                "MetricName": "ResourceCount",
                "MetricDimensions": dict(definition.usage_dimensions),
                "MetricStatisticRecommendation": "Maximum",
            },
            "QuotaAppliedAtLevel": "ACCOUNT",
            "Description": definition.description,
        }

    def find(self, service_code: str, quota_code: str) -> QuotaDefinition:
        definition = _BY_CODE.get((service_code, quota_code))
        if definition is None:
            raise _no_such_resource(
                f"The request failed because the specified service quota {quota_code} of "
                f"{service_code} does not exist."
            )
        return definition

    # ---------------------------------------------------------------------------- install

    def install(self, patcher: Patcher) -> None:
        from moto.servicequotas.responses import ServiceQuotasResponse

        model = self
        original_get = ServiceQuotasResponse.get_service_quota
        original_list_defaults = ServiceQuotasResponse.list_aws_default_service_quotas

        def params(response: Any) -> dict[str, Any]:
            body = json.loads(response.body or "{}")
            return body if isinstance(body, dict) else {}

        def get_service_quota(response: Any) -> str:
            found = params(response)
            if found.get("ServiceCode") not in _SERVICES:
                return str(original_get(response))
            definition = model.find(found["ServiceCode"], str(found.get("QuotaCode")))
            quota = model.quota(definition, response.region, response.current_account)
            return json.dumps({"Quota": quota})

        def get_aws_default_service_quota(response: Any) -> str:
            found = params(response)
            service_code, quota_code = found.get("ServiceCode"), found.get("QuotaCode")
            if service_code in _SERVICES:
                definition = model.find(service_code, str(quota_code))
                return json.dumps({"Quota": model.quota(definition, response.region, None)})
            defaults = response.backend.list_aws_default_service_quotas(str(service_code))
            for quota in defaults:
                if quota["QuotaCode"] == quota_code:
                    return json.dumps({"Quota": quota})
            raise _no_such_resource(
                f"The request failed because the specified service quota {quota_code} of "
                f"{service_code} does not exist."
            )

        def listing(response: Any, applied: bool) -> str:
            service_code = str(params(response).get("ServiceCode"))
            if service_code not in _SERVICES:
                return str(original_list_defaults(response))
            account = response.current_account if applied else None
            quotas = [
                model.quota(q, response.region, account)
                for q in QUOTAS
                if q.service_code == service_code
            ]
            return json.dumps({"Quotas": quotas})

        def list_aws_default_service_quotas(response: Any) -> str:
            return listing(response, applied=False)

        def list_service_quotas(response: Any) -> str:
            return listing(response, applied=True)

        patcher.setattr(ServiceQuotasResponse, "get_service_quota", get_service_quota)
        # moto serves neither GetAWSDefaultServiceQuota nor ListServiceQuotas: added
        patcher.add(
            ServiceQuotasResponse, "get_aws_default_service_quota", get_aws_default_service_quota
        )
        patcher.setattr(
            ServiceQuotasResponse,
            "list_aws_default_service_quotas",
            list_aws_default_service_quotas,
        )
        patcher.add(ServiceQuotasResponse, "list_service_quotas", list_service_quotas)
