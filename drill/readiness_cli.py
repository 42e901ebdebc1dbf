"""``python -m drill readiness``: could each region take over now? The checks, as a table.

It invokes the real EvaluateReadiness function of each region (or of ``--region``), exactly as
its schedule does, and prints what it found: one row per check, PASS, WARN or FAIL, with the
check's one-line reason. Any FAIL exits non-zero.

* Offline (default): the estate is built on the embedded AWS (as the drill builds it, with the
  automatic path wired) and warmed up until its metrics and alarms settled.
* ``--live --region R [--profile P] [--stack S]``: the function deployed in ``R``, found through
  the control-plane stack's outputs (as the live drill finds its state machine). The evaluation
  reads the estate and changes nothing in it: it stores its own result, emits its Readiness
  metrics and sends a notice when readiness changed, as every scheduled evaluation does.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from drill.render import _table

if TYPE_CHECKING:
    from drill.progress import Progress

__all__ = [
    "ReadinessError",
    "Readout",
    "evaluate_live",
    "evaluate_local",
    "failing",
    "invoke",
    "render_table",
]

FUNCTION_SUFFIX = "evaluate-readiness"  # template.yaml: ${EstateName}-evaluate-readiness
WARM_UP_SECONDS = 240.0  # modelled: as the drill's warm-up (drill.harness.WARM_UP_SECONDS)


class ReadinessError(RuntimeError):
    """The evaluation could not run (the function failed or is not there)."""


@dataclass
class Readout:
    """What ``readiness`` printed: the evaluations (one per region) and how long they took."""

    target: str
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # region -> wall seconds

    @property
    def ready(self) -> bool:
        return not failing(self.evaluations)


def function_name(estate_name: str) -> str:
    return f"{estate_name}-{FUNCTION_SUFFIX}"


def invoke(lambda_client: Any, function: str) -> dict[str, Any]:
    """Invoke EvaluateReadiness as its schedule does; the evaluation it returns."""
    response = lambda_client.invoke(FunctionName=function, Payload=b"{}")
    payload = response["Payload"].read()
    if "FunctionError" in response:
        raise ReadinessError(f"{function} failed: {payload.decode(errors='replace')[:300]}")
    result: dict[str, Any] = json.loads(payload)
    return result


def failing(evaluations: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(region, check) for every FAIL."""
    return [
        (evaluation["region"], check)
        for evaluation in evaluations
        for check in evaluation["checks"]
        if check["status"] == "FAIL"
    ]


def render_table(readout: Readout, *, width: int = 110) -> str:
    out = [f"Readiness: {readout.target}"]
    for evaluation in readout.evaluations:
        region = evaluation["region"]
        verdict = "READY" if evaluation["ready"] else "NOT READY"
        took = readout.seconds.get(region)
        timing = f", evaluated in {took:.2f} s" if took is not None else ""
        out += [
            "",
            f"{region} as the failover target: {verdict} (at {evaluation['evaluated_at']}{timing})",
        ]
        rows = [[c["name"], c["status"], c["reason"]] for c in evaluation["checks"]]
        out += _table(
            ["check", "status", "reason"], rows, align="lll", width=width, wrappable=(2,)
        ).lines()
    counts = {
        status: sum(c["status"] == status for e in readout.evaluations for c in e["checks"])
        for status in ("PASS", "WARN", "FAIL")
    }
    out += [
        "",
        ", ".join(f"{n} {status}" for status, n in counts.items()),
        f"RESULT: {'READY' if readout.ready else 'NOT READY (a check FAILs)'}",
    ]
    return "\n".join(out) + "\n"


def _timed(readout: Readout, region: str, lambda_client: Any, function: str) -> None:
    began = time.monotonic()
    readout.evaluations.append(invoke(lambda_client, function))
    readout.seconds[region] = time.monotonic() - began


def evaluate_local(
    region: str | None,
    progress: Progress,
    regions: tuple[str, ...] = ("us-east-1", "us-west-2"),
    lease_regions: tuple[str, str, str] | None = None,
) -> Readout:
    """Build the estate (``regions`` in priority order, the primary first; the failover table in
    ``lease_regions``, default :func:`testbed.estate.default_lease_regions`) on the embedded
    AWS, let it settle, evaluate ``region`` (default: every region) through its
    EvaluateReadiness function."""
    from drill.embedded import EmbeddedAws
    from testbed.estate import EstateSpec, LocalEstate, default_lease_regions

    with EmbeddedAws(0.0) as aws:
        spec = EstateSpec(
            regions=tuple(regions),
            lease_regions=lease_regions or default_lease_regions(*regions),
            automatic_triggers=True,
            extra_environment={"POWERTOOLS_LOG_LEVEL": "WARNING"},
        )
        if region is not None and region not in spec.regions:
            known = ", ".join(spec.regions)
            raise ReadinessError(f"region {region} is not in the estate ({known})")
        progress.line(
            f"embedded AWS: estate {spec.name} in {', '.join(spec.regions)} (priority order), "
            "lease in "
            f"{', '.join(spec.lease_regions)}; "
            f"warming up {WARM_UP_SECONDS:.0f} modelled s"
        )
        estate = LocalEstate(aws.emulator, spec)
        readout = Readout("local: embedded AWS (moto in-process + emulator)")
        aws.emulator.start_world(1.0)
        try:
            aws.emulator.clock.advance(WARM_UP_SECONDS)
            for name in [region] if region else list(spec.regions):
                function = estate.function_arns[name]["EvaluateReadinessFunction"]
                _timed(readout, name, estate.client("lambda", name), function)
        finally:
            aws.emulator.stop_world()
            estate.close()
        return readout


def evaluate_live(region: str, stack: str, profile: str | None) -> Readout:
    """Invoke the EvaluateReadiness function deployed in ``region`` (found through ``stack``)."""
    import boto3

    from drill.live import Clients

    session = boto3.Session(profile_name=profile, region_name=region)
    return evaluate_deployed(Clients(session), region, stack, profile)


def evaluate_deployed(client: Any, region: str, stack: str, profile: str | None) -> Readout:
    """The live path on any client factory (a real session's, or the embedded AWS's in tests)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from drill.live import discover

    target = discover(client, region, stack)  # LiveDrillError when the stack is not there
    estate = str(target.config.get("estate_name") or "estate")
    readout = Readout(f"live: profile {profile or '(default)'}, region {region}, stack {stack}")
    try:
        _timed(readout, region, client("lambda", region), function_name(estate))
    except (BotoCoreError, ClientError) as error:
        name = function_name(estate)
        raise ReadinessError(f"cannot invoke {name} in {region}: {error}") from error
    return readout
