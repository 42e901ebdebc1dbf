"""The handler decorator: settings, input, the correlation id, and the transient-error mapping."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from failover.config import Settings
from failover.errors import TransientAwsError
from failover.models import StageInput
from failover.runtime import stage_handler

from tests.unit.estate_settings import environment

DOCUMENT: dict[str, Any] = {
    "request": {
        "trigger": "manual",
        "mode": "planned",
        "target_region": "us-west-2",
        "source_region": "us-east-1",
        "reason": "r",
        "requested_by": "a",
    },
    "execution": {
        "id": "arn:aws:states:us-west-2:1:execution:m:run-7",
        "name": "run-7",
        "start_time": "t",
    },
    "plan": {"compute": {"required": 4}},
}


class FakeContext:
    function_name = "shop-test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-west-2:123456789012:function:shop-test"
    aws_request_id = "req-1"


CONTEXT: Any = FakeContext()
SERVER_ERROR: Any = {"Error": {"Code": "Anything"}, "ResponseMetadata": {"HTTPStatusCode": 503}}


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in environment().items():
        monkeypatch.setenv(key, value)


def test_a_stage_handler_gets_the_parsed_document_and_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    from failover.observability import logger

    written = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", written)
    seen: dict[str, Any] = {}

    def handle(stage: StageInput, settings: Settings) -> dict[str, Any]:
        seen.update(
            target=stage.request.target_region, home=settings.home_region, plan=stage.part("plan")
        )
        return {"ok": True}

    assert stage_handler(handle)(DOCUMENT, CONTEXT) == {"ok": True}
    assert seen == {
        "target": "us-west-2",
        "home": "us-west-2",
        "plan": {"compute": {"required": 4}},
    }
    logged = [json.loads(line) for line in written.getvalue().splitlines()]
    assert {line.get("correlation_id") for line in logged} == {DOCUMENT["execution"]["id"]}


@pytest.mark.parametrize(
    "error",
    [
        ClientError({"Error": {"Code": "ThrottlingException"}}, "UpdateEndpointGroup"),
        ClientError(SERVER_ERROR, "X"),
        EndpointConnectionError(endpoint_url="https://globalaccelerator.us-west-2.amazonaws.com"),
    ],
)
def test_throttling_5xx_and_connection_errors_become_transient(error: Exception) -> None:
    def handle(stage: StageInput, settings: Settings) -> None:
        raise error

    with pytest.raises(TransientAwsError):
        stage_handler(handle)(DOCUMENT, CONTEXT)


def test_other_aws_errors_keep_their_own_name() -> None:
    denied = ClientError({"Error": {"Code": "AccessDeniedException"}}, "GetParameter")

    def handle(stage: StageInput, settings: Settings) -> None:
        raise denied

    with pytest.raises(ClientError, match="AccessDenied"):
        stage_handler(handle)(DOCUMENT, CONTEXT)
