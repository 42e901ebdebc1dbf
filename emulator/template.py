"""Read the SAM template so that the emulated estate is built from what is deployed.

CloudFormation short-form tags (!Ref, !Sub, !GetAtt, ...) load as their long-form dicts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = REPO_ROOT / "template.yaml"
STATE_MACHINE = REPO_ROOT / "statemachines" / "failover.asl.json"


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


def load_template(path: Path | str = TEMPLATE) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        loaded = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} is not a CloudFormation template")
    return loaded


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    handler: str
    environment: dict[str, Any]


def function_specs(template: dict[str, Any]) -> dict[str, FunctionSpec]:
    """Every AWS::Serverless::Function, with its handler and its own + global environment."""
    globals_env = (
        template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    )
    specs = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties", {})
        env = {**globals_env, **props.get("Environment", {}).get("Variables", {})}
        specs[logical_id] = FunctionSpec(logical_id, props["Handler"], env)
    return specs


def state_machine_substitutions(template: dict[str, Any]) -> dict[str, Any]:
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::StateMachine":
            return dict(resource.get("Properties", {}).get("DefinitionSubstitutions", {}))
    raise ValueError("the template has no AWS::Serverless::StateMachine")


def table_definition(template: dict[str, Any], logical_id: str = "FailoverTable") -> dict[str, Any]:
    """KeySchema and AttributeDefinitions of a DynamoDB table, as the template declares them."""
    props = template["Resources"][logical_id]["Properties"]
    return {
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "TimeToLiveAttribute": props.get("TimeToLiveSpecification", {}).get("AttributeName"),
    }


_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_:.]+)\}")


def substitute(definition: str, values: dict[str, str]) -> str:
    """Apply DefinitionSubstitutions the way SAM does: every ${Key} must have a value."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"no DefinitionSubstitution for ${{{key}}}")
        return values[key]

    return _PLACEHOLDER.sub(replace, definition)
