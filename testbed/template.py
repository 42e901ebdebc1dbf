"""Read the SAM templates, so that the local estate is built from what is deployed.

CloudFormation short-form tags become their long form, the way CloudFormation reads them:
``!Ref X`` -> ``{"Ref": "X"}``, ``!GetAtt A.B`` -> ``{"Fn::GetAtt": ["A", "B"]}``, ``!Sub s`` ->
``{"Fn::Sub": "s"}``, and so on. Dates stay strings (``AWSTemplateFormatVersion: 2010-09-09``).
The template gates (tests/template) read templates through this module too.
"""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = REPO_ROOT / "template.yaml"
GLOBAL_STACK = REPO_ROOT / "stacks" / "global.yaml"
REGION_STACK = REPO_ROOT / "stacks" / "region.yaml"
# The failover table (lease, cooldown marker, audit rows): its own stack, in LeaseRegions[0].
LEASE_STACK = REPO_ROOT / "stacks" / "lease.yaml"
STATE_MACHINE = REPO_ROOT / "statemachines" / "failover.asl.json"


# Short-form tags whose long form is "Fn::<Name>".
_FN_TAGS = (
    "And",
    "Base64",
    "Cidr",
    "Contains",
    "EachMemberEquals",
    "EachMemberIn",
    "Equals",
    "FindInMap",
    "ForEach",
    "GetAZs",
    "GetAtt",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "RefAll",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
    "ValueOf",
    "ValueOfAll",
)


class CfnYamlLoader(yaml.SafeLoader):  # type: ignore[misc,unused-ignore]  # yaml untyped
    """A SafeLoader that understands CloudFormation's short-form tags."""


# CloudFormation keeps unquoted dates (2010-09-09) as strings.
CfnYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _node_value(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise yaml.constructor.ConstructorError(
        None, None, f"unexpected node {node!r}", node.start_mark
    )


def _construct_fn(name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value = _node_value(loader, node)
        if name == "GetAtt" and isinstance(value, str):
            # !GetAtt Resource.Attribute(.Nested) -> [Resource, Attribute(.Nested)]
            resource, _, attribute = value.partition(".")
            value = [resource, attribute]
        return {f"Fn::{name}": value}

    return construct


def _construct_ref(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    return {"Ref": _node_value(loader, node)}


def _construct_condition(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    return {"Condition": _node_value(loader, node)}


for _name in _FN_TAGS:
    CfnYamlLoader.add_constructor(f"!{_name}", _construct_fn(_name))
CfnYamlLoader.add_constructor("!Ref", _construct_ref)
CfnYamlLoader.add_constructor("!Condition", _construct_condition)


def load_template(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The template at ``path`` (default: template.yaml) as a fresh dict (parsed once per
    file version)."""
    resolved = Path(path if path is not None else TEMPLATE).resolve()
    return copy.deepcopy(_load(resolved, resolved.stat().st_mtime_ns))


@lru_cache(maxsize=8)
def _load(path: Path, mtime_ns: int) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        loaded = yaml.load(handle, Loader=CfnYamlLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(loaded, dict):
        raise TypeError(f"{path} is not a YAML mapping")
    return loaded


FOREACH_PREFIX = "Fn::ForEach::"


class ForEachError(ValueError):
    """An ``Fn::ForEach`` the AWS::LanguageExtensions transform would refuse."""


def expand_foreach(
    template: dict[str, Any], parameters: dict[str, str | list[str]] | None = None
) -> dict[str, Any]:
    """The template as the AWS::LanguageExtensions transform leaves it: every ``Fn::ForEach``
    (in Conditions, Resources, Outputs and inside them) replaced by one copy of its fragment
    per item of its collection, for these parameter values (the rest: their defaults).

    In each copy ``${Identifier}`` becomes the item, ``&{Identifier}`` the item without its
    non-alphanumeric characters (for logical ids) and ``{"Ref": Identifier}`` the item, as
    the transform does (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-foreach.html).
    A resource's ``Condition`` written as a ``Fn::Sub`` with nothing left to substitute (the
    documented way to name a per-item condition) becomes its string. A repeated key is an
    error, as it is for the transform, and so is an OutputKey without the identifier. A
    ``Ref`` or ``Fn::GetAtt`` that names its target with a ``Fn::Sub`` with nothing left to
    substitute (``{"Ref": {"Fn::Sub": "HealthCheck&{Region}"}}``, the documented way to refer to
    a per-item resource) names it as a string, as the transform resolves it. A template without
    ``Fn::ForEach`` comes back equal."""
    values = dict(parameters or {})
    expanded = copy.deepcopy(template)
    for section in ("Conditions", "Resources", "Outputs"):
        if isinstance(expanded.get(section), dict):
            expanded[section] = _expand_mapping(expanded[section], template, values)
    for resource in (expanded.get("Resources") or {}).values():
        condition = resource.get("Condition") if isinstance(resource, dict) else None
        if isinstance(condition, dict) and set(condition) == {"Fn::Sub"}:
            text = condition["Fn::Sub"]
            if isinstance(text, str) and "${" not in text:
                resource["Condition"] = text
    return expanded


def _collection(
    value: Any, template: dict[str, Any], values: dict[str, str | list[str]]
) -> list[str]:
    if isinstance(value, dict) and set(value) == {"Ref"}:
        name = value["Ref"]
        if name in values:
            value = values[name]
        else:
            spec = template.get("Parameters", {}).get(name)
            if spec is None or "Default" not in spec:
                raise KeyError(f"Fn::ForEach collection: no value for parameter {name}")
            value = spec["Default"]
    if isinstance(value, str):
        value = [item.strip() for item in value.split(",")]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError(f"Fn::ForEach collection must resolve to a list of strings: {value!r}")
    return value


def _expand_mapping(
    node: dict[str, Any], template: dict[str, Any], values: dict[str, str | list[str]]
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in node.items():
        if isinstance(key, str) and key.startswith(FOREACH_PREFIX):
            identifier, collection, fragment = value
            for out_key in fragment:
                placeholders = ("${" + identifier + "}", "&{" + identifier + "}")
                loop = out_key.startswith(FOREACH_PREFIX)
                if not loop and not any(p in out_key for p in placeholders):
                    raise ForEachError(f"{key}: OutputKey {out_key} does not use {identifier}")
            for item in _collection(collection, template, values):
                copied = _expand(_substitute(fragment, identifier, item), template, values)
                for out_key, out_value in copied.items():
                    if out_key in result:
                        raise ForEachError(f"{key}: {out_key} appears twice")
                    result[out_key] = out_value
        else:
            if key in result:
                raise ForEachError(f"{key} appears twice")
            result[key] = _expand(value, template, values)
    return result


def _named(value: Any) -> Any:
    """``{"Fn::Sub": "Name"}`` with nothing left to substitute -> ``"Name"``."""
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        text = value["Fn::Sub"]
        if isinstance(text, str) and "${" not in text:
            return text
    return value


def _expand(node: Any, template: dict[str, Any], values: dict[str, str | list[str]]) -> Any:
    if isinstance(node, dict) and set(node) == {"Ref"}:
        return {"Ref": _named(node["Ref"])}
    if (
        isinstance(node, dict)
        and set(node) == {"Fn::GetAtt"}
        and isinstance(node["Fn::GetAtt"], list)
    ):
        return {"Fn::GetAtt": [_named(part) for part in node["Fn::GetAtt"]]}
    if isinstance(node, dict):
        return _expand_mapping(node, template, values)
    if isinstance(node, list):
        return [_expand(item, template, values) for item in node]
    return node


def _substitute(node: Any, identifier: str, item: str) -> Any:
    if isinstance(node, str):
        stripped = re.sub(r"[^A-Za-z0-9]", "", item)
        return node.replace("${" + identifier + "}", item).replace(
            "&{" + identifier + "}", stripped
        )
    if isinstance(node, list):
        return [_substitute(value, identifier, item) for value in node]
    if isinstance(node, dict):
        if set(node) == {"Ref"} and node["Ref"] == identifier:
            return item
        return {
            _substitute(key, identifier, item): _substitute(value, identifier, item)
            for key, value in node.items()
        }
    return node


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    handler: str
    environment: dict[str, Any]
    timeout: int = 3  # Lambda's default
    memory_size: int = 128  # Lambda's default
    #: ``EventInvokeConfig`` as SAM declares it (MaximumRetryAttempts, MaximumEventAgeInSeconds,
    #: DestinationConfig.OnFailure/OnSuccess with Type and Destination), or {}.
    event_invoke_config: dict[str, Any] = field(default_factory=dict)
    #: ``Events`` (SAM event sources: Schedule, EventBridgeRule ...), by name.
    events: dict[str, Any] = field(default_factory=dict)
    #: ``FunctionName`` as the template writes it (``${EstateName}-validate-input``), or "".
    name_pattern: str = ""

    def name(self, estate_name: str) -> str:
        """The deployed function's name in an estate called ``estate_name``."""
        if not self.name_pattern:
            return f"{estate_name}-{self.logical_id}"
        return self.name_pattern.replace("${EstateName}", estate_name)


def function_specs(template: dict[str, Any]) -> dict[str, FunctionSpec]:
    """Every AWS::Serverless::Function, with its handler, its own + global environment, its
    timeout and memory size (own, else Globals, else Lambda's default), its asynchronous
    invocation settings and its event sources."""
    globals_fn = template.get("Globals", {}).get("Function", {})
    globals_env = globals_fn.get("Environment", {}).get("Variables", {})
    specs = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties", {})
        env = {**globals_env, **props.get("Environment", {}).get("Variables", {})}
        timeout = resolve(template, props.get("Timeout", globals_fn.get("Timeout", 3)))
        memory = resolve(template, props.get("MemorySize", globals_fn.get("MemorySize", 128)))
        specs[logical_id] = FunctionSpec(
            logical_id,
            props["Handler"],
            env,
            timeout=int(timeout),
            memory_size=int(memory),
            event_invoke_config=dict(props.get("EventInvokeConfig") or {}),
            events=dict(props.get("Events") or {}),
            name_pattern=_sub_text(props.get("FunctionName")),
        )
    return specs


def _sub_text(value: Any) -> str:
    """The text of a ``!Sub "..."`` (or a plain string) property; "" for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
        return str(value["Fn::Sub"])
    return ""


def resolve(template: dict[str, Any], value: Any) -> Any:
    """A property value with ``Ref`` to a parameter replaced by the parameter's default
    (other values, and references to resources, as they are)."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        parameter = template.get("Parameters", {}).get(value["Ref"])
        if parameter is None:
            return value
        if "Default" not in parameter:
            raise KeyError(f"no default for parameter {value['Ref']}")
        return parameter["Default"]
    return value


def resource_properties(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    """A resource's properties, each top-level ``Ref`` to a parameter resolved to its default."""
    props = template["Resources"][logical_id]["Properties"]
    return {key: resolve(template, value) for key, value in props.items()}


def state_machine_substitutions(template: dict[str, Any]) -> dict[str, Any]:
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::StateMachine":
            return dict(resource.get("Properties", {}).get("DefinitionSubstitutions", {}))
    raise ValueError("the template has no AWS::Serverless::StateMachine")


def table_definition(
    template: dict[str, Any] | None = None, logical_id: str = "FailoverTable"
) -> dict[str, Any]:
    """KeySchema and AttributeDefinitions of a DynamoDB table, as the template declares them
    (default: the failover table of stacks/lease.yaml)."""
    if template is None:
        template = load_template(LEASE_STACK)
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
