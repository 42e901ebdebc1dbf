"""Which ASL states make up which stage of the run (for timings and the failed stage)."""

from __future__ import annotations

STAGE_OF_STATE: dict[str, str] = {
    "ValidateInput": "validate",
    "AcquireLock": "lock",
    "NotifyStart": "notify_start",
    "CheckCooldown": "cooldown",
    "ConfirmOutage": "confirm_outage",
    "Preflight": "preflight",
    "RequestApproval": "approval",
    "PromoteDatabase": "database",
    "WaitForDatabase": "database",
    "CheckDatabase": "database",
    "ShiftTraffic": "traffic",
    "ScaleCompute": "compute",
    "WaitForCompute": "compute",
    "CheckCompute": "compute",
    "SetActiveRegion": "app_config",
    "Act": "act",
    "FenceOldRegion": "fence",
    "VerifyFailover": "verify",
}

STAGE_ORDER: tuple[str, ...] = (
    "validate",
    "lock",
    "notify_start",
    "cooldown",
    "confirm_outage",
    "preflight",
    "approval",
    "act",
    "database",
    "traffic",
    "compute",
    "app_config",
    "fence",
    "verify",
)
