"""ValidateInput: validate and normalise the alarm event or the operator's JSON.

Bad input fails here with a named error whose message names the field; nothing changes. Where
the estate stands and the choice of target (failover.candidates) decide what to do."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover import candidates, estate_view, inputs
from failover.clients import best_effort, client
from failover.models import Execution
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings


def handle(event: dict[str, Any], settings: Settings) -> dict[str, Any]:
    target = settings.home_region
    view = estate_view.observe(settings.estate, client, target, peers=best_effort)
    full = max(region.full_capacity for region in settings.estate.regions.values())
    gaps = None if view.problems else view.gaps(target, full)
    choose = candidates.chooser(settings, view.cluster, datetime.now(UTC))
    request = inputs.normalise(event.get("input"), settings, gaps, view.writer_region, choose)
    return {"request": request, "execution": Execution.parse(event.get("execution", {}))}


lambda_handler = stage_handler(handle)
