"""IAM, proven from the template: which calls each function's role allows.

The template is translated by SAM (its policy templates and managed-policy references
included), its intrinsics resolved for one copy of the control plane (a region, the estate's
parameters, its conditions), and each function's role flattened into its Allow statements. A
small evaluator then answers "is this action on this resource, with this context, allowed?"
for the statement shapes the template uses: wildcards in actions and resources, and the
``StringEquals`` / ``ForAllValues:StringEquals`` / ``Bool`` condition operators. An operator
it does not know is never treated as matching: a call it cannot prove is reported.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

ACCOUNT = "123456789012"


class _NoValue:
    """``Ref AWS::NoValue``: the list item or property it is, is removed."""


NO_VALUE = _NoValue()


@dataclass
class Resolver:
    """Resolves CloudFormation intrinsics for one stack. A CommaDelimitedList parameter's
    value is a list of strings."""

    parameters: dict[str, str | list[str]]
    region: str
    resources: dict[str, Any]
    conditions: dict[str, bool] = field(default_factory=dict)
    partition: str = "aws"

    def evaluate_conditions(self, conditions: dict[str, Any]) -> dict[str, bool]:
        """The template's Conditions section (Fn::ForEach already expanded) for this stack's
        parameters and region; also kept as :attr:`conditions`."""
        done: dict[str, bool] = {}

        def value(node: Any) -> Any:
            if isinstance(node, dict) and len(node) == 1:
                ((key, argument),) = node.items()
                if key == "Condition":
                    return named(argument)
                if key == "Fn::Equals":
                    left, right = (value(a) for a in argument)
                    return str(left) == str(right)
                if key == "Fn::Not":
                    return not value(argument[0])
                if key == "Fn::And":
                    return all(value(a) for a in argument)
                if key == "Fn::Or":
                    return any(value(a) for a in argument)
            return self.resolve(node)

        def named(name: str) -> bool:
            if name not in done:
                done[name] = bool(value(conditions[name]))
            return done[name]

        for name in conditions:
            named(name)
        self.conditions = done
        return done

    def pseudo(self, name: str) -> str:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": "amazonaws.com",
        }[name]

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.parameters:
            return self.parameters[name]
        return self.physical(name)

    def physical(self, logical: str) -> str:
        """What ``Ref`` returns for the resources the policies mention."""
        resource = self.resources[logical]
        kind = resource["Type"]
        props = resource.get("Properties", {})
        name = self.resolve(
            props.get("TopicName") or props.get("AlarmName") or props.get("Name") or logical
        )
        if kind == "AWS::SNS::Topic":
            return f"arn:{self.partition}:sns:{self.region}:{ACCOUNT}:{name}"
        if kind == "AWS::CloudWatch::Alarm":
            return str(name)
        if kind == "AWS::StepFunctions::StateMachine":
            machine = self.resolve(props.get("StateMachineName", logical))
            return f"arn:{self.partition}:states:{self.region}:{ACCOUNT}:stateMachine:{machine}"
        if kind == "AWS::IAM::ManagedPolicy":
            return f"managed-policy:{logical}"
        return f"ref:{logical}"

    def get_att(self, logical: str, attribute: str) -> str:
        resource = self.resources[logical]
        kind = resource["Type"]
        props = resource.get("Properties", {})
        if kind == "AWS::CloudWatch::Alarm" and attribute == "Arn":
            alarm = self.resolve(props["AlarmName"])
            return f"arn:{self.partition}:cloudwatch:{self.region}:{ACCOUNT}:alarm:{alarm}"
        if kind == "AWS::Lambda::Function" and attribute == "Arn":
            name = self.resolve(props["FunctionName"])
            return f"arn:{self.partition}:lambda:{self.region}:{ACCOUNT}:function:{name}"
        if kind == "AWS::SQS::Queue" and attribute == "Arn":
            return f"arn:{self.partition}:sqs:{self.region}:{ACCOUNT}:{logical}"
        if kind == "AWS::SNS::Topic" and attribute == "TopicName":
            return str(self.resolve(props["TopicName"]))
        return f"getatt:{logical}.{attribute}"

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key == "Fn::GetAtt":
                logical, attribute = (
                    argument if isinstance(argument, list) else argument.split(".", 1)
                )
                return self.get_att(logical, attribute)
            if key == "Fn::Sub":
                return self._sub(argument)
            if key == "Fn::If":
                name, yes, no = argument
                return self.resolve(yes if self.conditions[name] else no)
            if key == "Fn::Select":
                index, items = argument
                chosen = self.resolve(items)
                if isinstance(chosen, str):  # a CommaDelimitedList parameter's value
                    chosen = chosen.split(",")
                return chosen[int(self.resolve(index))]
            if key == "Fn::Join":
                separator, parts = argument
                resolved = self.resolve(parts)
                return separator.join(str(p) for p in _flat(resolved))
            if key == "Fn::Split":
                separator, source = argument
                return str(self.resolve(source)).split(separator)
        resolved_map = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved_map.items() if v is not NO_VALUE}

    def _sub(self, argument: Any) -> str:
        text, extra = (argument[0], argument[1]) if isinstance(argument, list) else (argument, {})
        local = {k: self.resolve(v) for k, v in extra.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in local:
                return str(local[name])
            if "." in name and not name.startswith("AWS::"):
                logical, attribute = name.split(".", 1)
                return self.get_att(logical, attribute)
            return str(self.ref(name))

        return re.sub(r"\$\{([A-Za-z0-9:.]+)\}", replace, text)


def _flat(value: Any) -> list[Any]:
    """A Fn::Join's parts: a list whose items may be lists (a Ref to a CommaDelimitedList)."""
    if not isinstance(value, list):
        return [value]
    return [leaf for item in value for leaf in _flat(item)]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_statements(
    translated: dict[str, Any], role: str, resolver: Resolver
) -> list[dict[str, Any]]:
    """Every Allow statement of a role: inline policies and the stack's managed policies."""
    resources = translated["Resources"]
    properties = resources[role]["Properties"]
    documents = [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
    for arn in properties.get("ManagedPolicyArns", []):
        if isinstance(arn, dict) and "Ref" in arn:
            documents.append(resources[arn["Ref"]]["Properties"]["PolicyDocument"])
    statements = []
    for document in documents:
        for statement in _as_list(resolver.resolve(document).get("Statement", [])):
            if statement.get("Effect") == "Allow":
                statements.append(statement)
    return statements


@dataclass(frozen=True)
class Request:
    """One IAM authorisation a call needs."""

    action: str
    resource: str
    context: dict[str, Any] = field(default_factory=dict)


def _matches(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value.lower() if ":" not in pattern else value, pattern) or (
        pattern.lower() == value.lower()
    )


def _condition_holds(condition: dict[str, Any], context: dict[str, Any]) -> bool:
    for operator, tests in condition.items():
        for key, wanted in tests.items():
            allowed = [str(w) for w in _as_list(wanted)]
            if key not in context:
                return False
            actual = context[key]
            if operator == "StringEquals" or operator == "Bool":
                if str(actual) not in allowed:
                    return False
            elif operator == "ForAllValues:StringEquals":
                if not all(str(item) in allowed for item in _as_list(actual)):
                    return False
            else:
                return False
    return True


def allowed(statements: list[dict[str, Any]], request: Request) -> bool:
    for statement in statements:
        actions = [str(a) for a in _as_list(statement.get("Action", []))]
        if not any(fnmatch.fnmatchcase(request.action.lower(), a.lower()) for a in actions):
            continue
        resources = [str(r) for r in _as_list(statement.get("Resource", []))]
        if not any(fnmatch.fnmatchcase(request.resource, r) for r in resources):
            continue
        if _condition_holds(statement.get("Condition", {}), request.context):
            return True
    return False
