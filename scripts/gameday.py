"""``make game-day``: start one of the estate's AWS FIS experiments against a region, for real.

    .venv/bin/python -m scripts.gameday --region us-east-1 --experiment alb-503 [--profile NAME]
                                        [--confirm-phrase "..."]

The experiment templates live in each region's control-plane stack (template.yaml, outputs
``GameDayStopTasksTemplateId`` and ``GameDayAlb503TemplateId``) and inject THAT region's outage:
run it in the region to fail, and follow the other region's automatic failover. Like
``make destroy`` it shows the account and region first and acts only after a typed
confirmation (``start <experiment> in <account> <region>``). It prints the experiment id and
how to follow and stop it; it does not wait (``aws fis get-experiment`` does).
"""

from __future__ import annotations

import argparse
import logging
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scripts import stacks
from scripts.deploy import ROOT, Aws, load_plan, stack_outputs

if TYPE_CHECKING:
    from collections.abc import Sequence

LOG = logging.getLogger("estate.gameday")

# Experiment -> the control-plane output that names its template.
EXPERIMENTS = {
    "stop-tasks": "GameDayStopTasksTemplateId",
    "alb-503": "GameDayAlb503TemplateId",
    "network": "GameDayNetworkTemplateId",
}


class GameDayRefused(stacks.PlanError):
    """The game day cannot start: unknown region, no such template, or not confirmed."""


def template_id(aws: Aws, plan: stacks.Plan, region: str, experiment: str) -> str:
    """The FIS experiment template of ``experiment`` in ``region``'s control-plane stack."""
    targets = {t.region: t for t in plan.control_planes}
    if region not in targets:
        raise GameDayRefused(f"{region} is not an estate region ({', '.join(sorted(targets))})")
    outputs = stack_outputs(aws, targets[region])
    if outputs is None:
        raise GameDayRefused(f"no control-plane stack {targets[region].stack_name} in {region}")
    found = outputs.get(EXPERIMENTS[experiment])
    if not found:
        raise GameDayRefused(
            f"{targets[region].stack_name} has no {EXPERIMENTS[experiment]} output (deployed "
            "from an older template, or the ALB listener was not passed: make deploy)"
        )
    return found


def start(
    aws: Aws,
    plan: stacks.Plan,
    region: str,
    experiment: str,
    *,
    phrase: str | None = None,
    ask: Callable[[str], str] = input,
) -> dict[str, Any]:
    """Confirm, then ``StartExperiment``; returns FIS's experiment description."""
    template = template_id(aws, plan, region, experiment)
    account = aws.client("sts", region).get_caller_identity()["Account"]
    expected = f"start {experiment} in {account} {region}"
    LOG.warning(
        "About to inject a REAL outage: FIS template %s (%s) of estate %s in account %s, region %s",
        template,
        experiment,
        plan.estate_name,
        account,
        region,
    )
    if not stacks.confirmed(expected, phrase, ask):
        raise GameDayRefused(f"not confirmed: expected exactly {expected!r}; nothing started")
    response = aws.client("fis", region).start_experiment(
        clientToken=str(uuid.uuid4()),
        experimentTemplateId=template,
        tags={"estate": plan.estate_name, "started-by": "scripts.gameday"},
    )
    experiment_description: dict[str, Any] = response["experiment"]
    return experiment_description


def main(
    argv: Sequence[str] | None = None,
    *,
    aws_factory: Callable[[str | None], Aws] = Aws,
    ask: Callable[[str], str] = input,
) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "samconfig.toml")
    parser.add_argument("--profile", default=None)
    parser.add_argument("--region", required=True, help="the region whose outage to inject")
    parser.add_argument("--experiment", choices=sorted(EXPERIMENTS), required=True)
    parser.add_argument("--confirm-phrase", default=None, help="the typed confirmation")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        plan = load_plan(args.config)
        started = start(
            aws_factory(args.profile),
            plan,
            args.region,
            args.experiment,
            phrase=args.confirm_phrase,
            ask=ask,
        )
    except stacks.PlanError as error:
        LOG.error("game day not started: %s: %s", type(error).__name__, error)
        return 2
    profile = f" --profile {args.profile}" if args.profile else ""
    LOG.info("experiment %s: %s", started["id"], started.get("state", {}).get("status", "?"))
    LOG.info(
        "  follow: aws fis get-experiment --region %s --id %s%s",
        args.region,
        started["id"],
        profile,
    )
    LOG.info(
        "  stop:   aws fis stop-experiment --region %s --id %s%s",
        args.region,
        started["id"],
        profile,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
