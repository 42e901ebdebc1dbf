"""Notify: one SNS notice per event of the run: its start, every ending, and faults of the
control plane's own record, notice or lease (ControlPlaneFault metrics). Falls back to the
other regions' topics, in priority order, when this region's cannot take it. An alarm-started
run that found nothing to do, or another run holding the lease, is logged, not mailed
(:func:`failover.notify.worth_sending`): its audit row already reports it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover import notify
from failover.observability import logger
from failover.runtime import stage_handler

if TYPE_CHECKING:
    from failover.config import Settings


def handle(event: dict[str, Any], settings: Settings) -> notify.Delivery:
    state = dict(event.get("state") or {})
    if event.get("kind") == "control_plane_fault":
        notify.surface_faults(state, settings)
    notice = notify.compose(event.get("kind"), settings.estate.estate_name, state)
    if not notify.worth_sending(notice):
        logger.info("notice kept back: nothing for a person to do", extra={"kind": notice.kind})
        return notify.Delivery(notice.kind, "", "", False, sent=False)
    return notify.send(notice, settings)


lambda_handler = stage_handler(handle)
