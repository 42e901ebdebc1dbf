"""ValidateInput: validate and normalise the alarm event or the operator's JSON.

Bad input fails here with a named error whose message names the field; nothing changes.
Where the estate stands decides whether there is anything to do (failover.inputs).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover import candidates, estate_view, inputs, readings
from failover.clients import best_effort, client
from failover.models import Execution
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings


def handle(event: dict[str, Any], settings: Settings) -> dict[str, Any]:
    # A control plane moves the estate into its own region: convergence is judged on it.
    target = settings.home_region
    view = estate_view.observe(settings.estate, client, target, peers=best_effort)
    full = max(region.full_capacity for region in settings.estate.regions.values())
    gaps = None if view.problems else view.gaps(target, full)
    cluster = view.cluster or readings.Reading(None, "not read")
    now = datetime.now(UTC)

    def choose(leaving: str, planned: bool, only: str | None) -> candidates.Choice:
        return candidates.choose(settings, leaving, cluster, planned, now, only)

    raw = event.get("input")
    request = inputs.normalise(raw, settings, gaps, view.writer_region, choose)
    return {"request": request, "execution": Execution.parse(event.get("execution", {}))}


lambda_handler = stage_handler(handle)
