"""The guard before traffic or app config move: they follow the writer, one direction at a time.

Both must hold, read just before the change:
- this execution still holds the estate's lease (the fencing check), and
- the target is the writer, with no promotion in flight (a compare-and-set on the writer).
Otherwise the other direction has won: Superseded, and nothing is touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from failover import aurora, lease, table
from failover.clients import client
from failover.errors import Superseded

if TYPE_CHECKING:
    from failover.config import Settings
    from failover.models import StageInput


def require_writer_and_lease(settings: Settings, stage: StageInput) -> None:
    target_region = stage.request.target_region
    table.call(settings, lambda ddb: lease.require(ddb, settings.table_name, stage.execution.id))
    view = aurora.describe_global_cluster(
        client("rds", target_region), settings.estate.global_cluster_id
    )
    if not aurora.promotion_complete(view, settings.estate.regions[target_region].db_cluster_arn):
        raise Superseded(
            f"{target_region} is not the writer (writer {view.writer_region}, failover state "
            f"{view.failover_state}): traffic and app config stay where they are"
        )
