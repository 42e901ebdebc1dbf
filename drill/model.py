"""The drill's report: what ran, how long each stage took, and whether the estate ended right.

Times are in *modelled seconds* (what the run would take on AWS, from the latency model)
relative to the run's ``t0``: the moment the outage was injected (automatic runs) or the
execution was started (manual runs). ``wall_seconds`` fields are the drill's own real time.
Everything here is plain data: ``Report.to_dict()`` is what ``report.json`` holds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Check", "Floors", "Milestone", "Report", "Rpo", "Rto", "Run", "Stage"]

REPORT_VERSION = 1


@dataclass
class Stage:
    """One state-machine stage (a Task or Parallel branch step), as the history shows it."""

    name: str  # the ASL state name, e.g. "PromoteDatabase"
    start: float  # modelled seconds since the run's t0
    end: float
    status: str  # "succeeded" | "failed"
    branch: str | None = None  # Parallel branch ("Database", "Traffic", ...) or None

    @property
    def seconds(self) -> float:
        return max(self.end - self.start, 0.0)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data


@dataclass
class Milestone:
    """Something seen on the way, e.g. "Route 53 checkers report us-east-1 unhealthy"."""

    at: float  # modelled seconds since t0
    what: str


@dataclass
class Check:
    """One final-state check an operator would make."""

    name: str  # e.g. "writer region"
    expected: str
    actual: str
    passed: bool


@dataclass
class Rto:
    modelled_seconds: float | None  # t0 -> execution finished (None when it did not succeed)
    target_seconds: float
    met: bool


@dataclass
class Rpo:
    lag_ms_at_preflight: float | None
    lag_ms_at_cutover: float | None
    data_loss_possible: bool  # unplanned failover (AllowDataLoss) with lag > 0
    evidence: str  # one sentence, e.g. "AuroraGlobalDBReplicationLag 120 ms at cutover"


@dataclass
class Floors:
    """What the physics allows for this run (drill.floors), in modelled seconds from t0."""

    critical_path_s: float  # configured settings, a control plane that costs nothing
    physical_s: float  # the fastest settings AWS documents
    sequential_s: float  # the same stages one after another (a manual CLI runbook)
    detection_s: float = 0.0  # the configured detection inside critical_path_s
    # floor -> its terms (drill.floors.Term.to_dict): physics and policy, named
    terms: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def ratios(self, rto_s: float) -> dict[str, float]:
        return {
            "rto_over_critical_path": round(rto_s / self.critical_path_s, 3),
            "rto_over_physical": round(rto_s / self.physical_s, 3),
            "sequential_over_rto": round(self.sequential_s / rto_s, 3),
        }


@dataclass
class Run:
    """One execution the drill followed (the failover, the failback, a re-run...)."""

    name: str  # "failover" | "failback" | "re-run" | "false alarm" ...
    mode: str  # "unplanned" | "planned" | "failback" | "dry-run"
    trigger: str  # "alarm" (automatic path) | "manual"
    source_region: str
    target_region: str
    execution_arn: str | None
    status: str  # SUCCEEDED | FAILED | ... | "NOT_STARTED"
    outcome: str  # what the run did, e.g. "failed over", "false alarm", "already in progress"
    stages: list[Stage] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    rto: Rto | None = None
    rpo: Rpo | None = None
    error: str | None = None
    wall_seconds: float = 0.0
    floors: Floors | None = None  # succeeded unplanned failovers only (drill.floors)
    user: Any = None  # drill.user.UserView: what the synthetic user saw (automatic runs)
    outage_offset_s: float | None = None  # where in the probe period the outage started
    model: str | None = None  # the latency model's phases: "median" (typical) | "random"
    assumptions: list[dict[str, Any]] = field(default_factory=list)  # LatencyModel.assumptions
    # what the physics of this run's draws takes for the Act: the slower of the promotion
    # (Aurora's failover) and the new tasks serving (Fargate start + the ALB's healthy checks)
    act_s: float | None = None
    # when the run could act: it started and the quorum's other families had seen the outage
    detection_s: float | None = None

    def figures(self) -> dict[str, float | None]:
        """The five figures of an automatic failover, in modelled seconds since the outage:
        detection (the run could act: it started, and the quorum's other families had seen
        the outage); writer promoted (the synthetic user's first request
        that found another region the global database's writer, to the second); the control
        plane's overhead (the RTO less the outage's confirmation, the end of ConfirmOutage, and
        ``act_s``, the slower of the two things it waits for: the promotion and the new tasks
        serving; without a ConfirmOutage, less detection); and the synthetic user's
        first good read and first good write."""
        started = next(
            (m.at for m in self.milestones if "state machine" in m.what and "started" in m.what),
            None,
        )
        detection = self.detection_s if self.detection_s is not None else started
        user = self.user
        promoted = None if user is None else user.writer_promoted_s
        # The outage confirmed: the end of ConfirmOutage, once the quorum agreed for
        # MinOutageSeconds (a policy wait that buys safety, not control-plane overhead).
        confirmed = next((s.end for s in self.stages if s.name == "ConfirmOutage"), None)
        overhead = None
        acts_from = confirmed if confirmed is not None else detection
        if self.rto_s is not None and acts_from is not None and self.act_s is not None:
            overhead = round(self.rto_s - acts_from - self.act_s, 1)
        return {
            "detection_s": detection,
            "run_started_s": started,
            "outage_confirmed_s": confirmed,
            "overhead_s": overhead,
            "writer_promoted_s": promoted,
            "first_good_read_s": None if user is None else user.first_good_read_s,
            "first_good_write_s": None if user is None else user.first_good_write_s,
        }

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def rto_s(self) -> float | None:
        return self.rto.modelled_seconds if self.rto else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "mode": self.mode,
            "trigger": self.trigger,
            "source_region": self.source_region,
            "target_region": self.target_region,
            "execution_arn": self.execution_arn,
            "status": self.status,
            "outcome": self.outcome,
            "passed": self.passed,
            "stages": [stage.to_dict() for stage in self.stages],
            "milestones": [asdict(m) for m in self.milestones],
            "checks": [asdict(c) for c in self.checks],
            "rto": asdict(self.rto) if self.rto else None,
            "rpo": asdict(self.rpo) if self.rpo else None,
            "error": self.error,
            "wall_seconds": round(self.wall_seconds, 3),
            "rto_s": self.rto_s,
            "floors": self._floors(),
            "figures": self.figures() if self.trigger == "alarm" else None,
            "user": self.user.to_dict() if self.user is not None else None,
            "outage_offset_s": self.outage_offset_s,
            "model": self.model,
            "assumptions": list(self.assumptions),
        }

    def _floors(self) -> dict[str, Any] | None:
        if self.floors is None:
            return None
        data: dict[str, Any] = {
            k: round(v, 3) for k, v in asdict(self.floors).items() if isinstance(v, float)
        }
        data["terms"] = self.floors.terms
        if self.rto_s is not None:
            data["ratios"] = self.floors.ratios(self.rto_s)
            data["overhead_s"] = round(self.rto_s - self.floors.critical_path_s, 3)
        return data


@dataclass
class Report:
    scenario: str
    target: str  # "local (emulated AWS)" or "live: profile X, region Y"
    time_scale: float
    started_at: str  # ISO 8601 UTC
    runs: list[Run] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)  # scenario-wide checks
    wall_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks) and all(run.passed for run in self.runs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "scenario": self.scenario,
            "target": self.target,
            "time_scale": self.time_scale,
            "started_at": self.started_at,
            "passed": self.passed,
            "wall_seconds": round(self.wall_seconds, 3),
            "runs": [run.to_dict() for run in self.runs],
            "checks": [asdict(c) for c in self.checks],
            "notes": list(self.notes),
        }
