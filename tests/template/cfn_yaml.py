"""Load CloudFormation / SAM YAML templates into plain dicts.

CloudFormation short-form tags become their long form, the way CloudFormation
reads them: ``!Ref X`` -> ``{"Ref": "X"}``, ``!GetAtt A.B`` ->
``{"Fn::GetAtt": ["A", "B"]}``, ``!Sub s`` -> ``{"Fn::Sub": "s"}``, and so on.
Dates and times stay strings (``AWSTemplateFormatVersion: 2010-09-09``).

Other tests import it::

    from tests.template.cfn_yaml import load_template

    table = load_template()["Resources"]["FailoverTable"]["Properties"]
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]  # no types-PyYAML

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"

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
    """Return the template at ``path`` (default: the repo's template.yaml) as a dict."""
    template_path = Path(path) if path is not None else TEMPLATE_PATH
    with template_path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=CfnYamlLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(document, dict):
        raise TypeError(f"{template_path} is not a YAML mapping")
    return document
