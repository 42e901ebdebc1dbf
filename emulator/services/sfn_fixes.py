"""Narrow fixes of moto's Step Functions interpreter where it differs from AWS.

Write the ASL to be right on AWS; these patches make moto agree (all reverted by
``Emulator.uninstall``). Each is a moto 5.2.5 bug, written up to be sent upstream: the file
it patches, what moto does, what AWS does, and a reproduction. The reproductions share::

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        role = "arn:aws:iam::123456789012:role/r"

        def run(definition, payload="{}", name="x"):
            machine = sfn.create_state_machine(
                name=name, definition=json.dumps(definition), roleArn=role
            )["stateMachineArn"]
            arn = sfn.start_execution(stateMachineArn=machine, input=payload)["executionArn"]
            while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
                time.sleep(0.05)
            return sfn.describe_execution(executionArn=arn)

        pass_state = lambda **fields: {"StartAt": "S", "States": {"S": {**fields, "End": True}}}

1. Indexed JSONPath (``parser/asl/utils/json_path.py`` ``extract_json``). moto wraps a
   definite path's value in a list; AWS (Jayway JsonPath) returns the single value for a
   *definite* path (names and single indexes only) and a list only for indefinite ones
   (``[*]``, ``..``, slices, filters, unions). Rebound in every parser module that imported
   it. ``run(pass_state(Type="Pass", Parameters={"v.$": "$.X[0].Y"}), '{"X": [{"Y": 1}]}')``
   outputs ``{"v": [1]}``; AWS: ``{"v": 1}``.
2. Unnamed executions (``parser/models.py`` ``StepFunctionsParserBackend.start_execution``).
   moto names them ``None``: the execution ARN ends in ``:None``, and the second unnamed
   ``sfn.start_execution(stateMachineArn=machine)`` raises ``ExecutionAlreadyExists``. AWS
   generates a UUID name.
3. Context object (``parser/backend/execution_worker.py``
   ``ExecutionWorker._get_evaluation_environment``). ``$$.Execution.StartTime`` is a
   ``datetime``: ``run(pass_state(Type="Pass", Parameters={"t.$": "$$.Execution.StartTime"}))``
   raises ``TypeError: Object of type datetime is not JSON serializable`` in
   ``describe_execution``. AWS gives an ISO 8601 string.
4. AWS SDK integrations (``.../state_task/service/state_task_service_aws_sdk.py``
   ``StateTaskServiceAwsSdk``), per
   https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html:

   * parameters are PascalCase even when the API is camelCase ("Cluster" for ECS); moto
     passes them to boto3 as written. They are mapped to the API's member names.
   * results use PascalCase member names, and timestamps are ISO 8601 strings; moto returns
     boto3's camelCase keys and ``datetime`` objects:
     ``run(pass_state(Type="Task", Resource="arn:aws:states:::aws-sdk:ssm:getParameter",
     Parameters={"Name": "/p"}))`` (an existing parameter) raises ``TypeError: Object of
     type datetime is not JSON serializable`` in ``describe_execution``.
   * errors are ``ServiceName.ErrorName``, both PascalCase, always ending in "Exception":
     the same task for a missing parameter fails with ``ssm.ParameterNotFoundException``;
     AWS: ``Ssm.ParameterNotFoundException`` (and ``Rds.DbClusterNotFoundException``, where
     moto says ``rds.DBClusterNotFoundFaultException``).
5. Transitions (``StepFunctionsParserBackend._validate_definition``). moto accepts
   ``{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}`` and fails at
   run time; AWS rejects it at ``create_state_machine`` (``InvalidDefinition``,
   ``MISSING_TRANSITION_TARGET``). Checked for ``StartAt``, ``Next``, ``Default``, Choice
   and Catch targets, in branches and item processors too.
6. Error codes (``parser/api.py`` exception classes). They declare ``code =
   "InvalidDefinition"`` etc., but their base (``moto.core.exceptions.AWSError``) reads
   ``TYPE``, so the response's ``Error.Code`` is empty:
   ``sfn.create_state_machine(name="b", roleArn=role, definition='{"StartAt": "A",
   "States": {"A": {"Type": "Nope"}}}')`` raises a plain ``ClientError`` with code ``""``.
   AWS sends ``InvalidDefinition`` (``client.exceptions.InvalidDefinition``). Each class
   gets its ``TYPE`` (and ``STATUS``).
7. JSONata (``parser/asl/jsonata/jsonata.py`` ``_eval_jsonata``). Not a bug but a gap: the
   hook that evaluates JSONata (LocalStack's JVM bridge) is never set, so ``QueryLanguage:
   JSONata`` states and JSONPath ``Assign`` variables fail with ``TypeError``. It is wired to
   ``jsonata-python``; evaluation errors surface as moto's ``JSONataException``.
8. Lambda service errors (``.../state_task/state_task_lambda.py`` ``StateTaskLambda`` and
   ``.../service/state_task_service_lambda.py``). For a plain function-ARN Task moto names a
   Lambda API error "Exception": ``run(pass_state(Type="Task",
   Resource="arn:aws:lambda:us-east-1:123456789012:function:missing"))`` fails with error
   ``Exception``. AWS names it ``Lambda.<Code>`` (``Lambda.ResourceNotFoundException``,
   ``Lambda.TooManyRequestsException``, ``Lambda.ServiceException``), as moto's
   ``lambda:invoke`` integration already does, and a connection failure
   ``Lambda.SdkClientException`` (moto: ``States.TaskFailed``). These are the names Retry
   policies list (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
9. A stopped task's timeout (``parser/asl/component/common/timeouts/timeout.py``
   ``Timeout`` and ``heartbeat.py`` ``Heartbeat``). When a Parallel branch fails while
   another starts a Task, the Task's scheduled event can record the state input (a dict) as
   ``timeoutInSeconds``, and every ``get_execution_history`` of that execution then raises
   ``TypeError: int() argument must be a string, a bytes-like object or a real number, not
   'dict'``. The cause and a reproduction: :func:`_install_stack_balanced_timeouts`.
10. ``lambda:invoke`` parameters (``.../service/state_task_service_lambda.py``
    ``_SUPPORTED_API_PARAM_BINDINGS``). moto passes only ``ClientContext``, ``FunctionName``,
    ``Qualifier``, ``Payload`` and ``LogType`` to Invoke and silently drops
    ``InvocationType``, so a fire-and-forget Task (``"InvocationType": "Event"``) runs the
    function synchronously and waits for it. AWS supports ``InvocationType``
    (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html: "Event" invokes
    the function asynchronously; the Task gets ``StatusCode: 202``). Reproduction: a Task
    ``{"Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": fn,
    "InvocationType": "Event", "Payload": {}}}`` on a function that sleeps: the task's output
    has ``StatusCode: 200`` and the function's result, after the function's whole duration.
    Expected (AWS): ``StatusCode: 202`` at once.
11. Concurrent starts (``parser/asl/parse/preprocessor.py`` ``Preprocessor``). The stack of
    query-language scopes, ``_query_language_per_scope``, is a *class* attribute (one list
    for every instance), so two executions whose definitions are preprocessed at the same
    time (two EventBridge rules starting runs at once, a burst of starts) push and pop each
    other's scopes: a JSONPath state is read in a JSONata scope or the other way round, and
    the execution fails at start with ``ValueError: Unsupported declaration in
    QueryLanguage=JSONPath block: "Parameters": ...``. Reproduction: a machine with one
    JSONata state (``"QueryLanguage": "JSONata"``) among JSONPath states, started from 8
    threads at once; a few executions fail, more under load. Expected (AWS): every execution
    starts. Each Preprocessor gets its own list.
12. ``DescribeExecution`` of a timed-out execution (``moto/stepfunctions/responses.py``
    ``StepFunctionResponse.describe_execution``) has no ``stopDate``: moto adds it for
    SUCCEEDED, ABORTED and FAILED only. ``run({"StartAt": "W", "TimeoutSeconds": 1, "States":
    {"W": {"Type": "Wait", "Seconds": 5, "End": True}}})`` has status TIMED_OUT and no
    ``stopDate``. Expected (AWS): ``stopDate`` = ``startDate`` + the machine's TimeoutSeconds.
13. ``GetExecutionHistory`` (``moto/stepfunctions/responses.py``
    ``StepFunctionResponse.get_execution_history``) ignores ``maxResults``, ``nextToken``,
    ``reverseOrder`` and ``includeExecutionData``: every call returns every event, oldest
    first, with every input and output. AWS
    (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html)
    pages (``maxResults`` default 100, at most 1000; ``nextToken`` for the rest; a token that
    is not one raises ``InvalidToken``), lists newest first with ``reverseOrder``, and leaves
    out "execution data (input or output of a history event)" when ``includeExecutionData``
    is false. Reproduction: any execution of more than 100 events read with
    ``sfn.get_execution_history(executionArn=arn)`` has no ``nextToken`` and every event.
    The response is also written straight as JSON (the protocol's own form: timestamps are
    epoch seconds truncated to milliseconds, as moto's serialiser writes them); moto's
    shape-walking serialiser spent about 0.7 s on each read of a drill's history, the drill
    reads it every ten modelled seconds.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import re
import sys
import uuid
from typing import TYPE_CHECKING, Any

from botocore.exceptions import UnknownServiceError

from .._service_model import service_model
from ..world import Service, register

if TYPE_CHECKING:
    from botocore.model import Shape

    from .._patching import Patcher

__all__ = [
    "StepFunctionsFixes",
    "is_definite_json_path",
    "sdk_error_name",
    "sdk_service_error_prefix",
    "transition_problems",
]

LOG = logging.getLogger(__name__)

# ------------------------------------------------------------------------- JSONPath


def is_definite_json_path(path: str) -> bool:
    """True when a JSONPath can match at most one value (Jayway's "definite" path)."""
    from jsonpath_ng import jsonpath as jp
    from jsonpath_ng.exceptions import JSONPathError
    from jsonpath_ng.ext.parser import parse

    def definite(node: Any) -> bool:
        if isinstance(node, jp.Root | jp.This):
            return True
        if isinstance(node, jp.Child):
            return definite(node.left) and definite(node.right)
        if isinstance(node, jp.Fields):
            return len(node.fields) == 1 and node.fields[0] != "*"
        if isinstance(node, jp.Index):
            return len(getattr(node, "indices", (getattr(node, "index", 0),))) == 1
        return False  # Wildcard, Slice, Descendants, Filter, Union, ...

    try:
        return definite(parse(path))
    except JSONPathError:  # not a plain JSONPath: let moto handle it as before
        return False


def _make_extract_json(original: Any) -> Any:
    def extract_json(path: str, data: Any) -> Any:
        from jsonpath_ng.ext.parser import parse

        if not is_definite_json_path(path):
            return original(path, data)
        matches = parse(path).find(data)
        if not matches:
            return original(path, data)  # raises moto's NoSuchJsonPathError
        return matches[0].value

    extract_json.__wrapped__ = original  # type: ignore[attr-defined]
    return extract_json


# --------------------------------------------------------------- SDK integrations


def _pascal_words(text: str) -> str:
    """PascalCase with acronyms as words, as the AWS SDK for Java v2 names things:
    "DynamoDB" -> "DynamoDb", "SSM" -> "Ssm", "DBClusterNotFound" -> "DbClusterNotFound"."""
    words: list[str] = []
    for chunk in re.split(r"[^A-Za-z0-9]+", text):
        words.extend(re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", chunk))
    return "".join(word[:1].upper() + word[1:].lower() for word in words)


def sdk_service_error_prefix(boto_service: str) -> str:
    """The ``ServiceName`` of ``ServiceName.ErrorName`` (from the model's serviceId)."""
    try:
        service_id = service_model(boto_service).metadata.get("serviceId") or boto_service
    except UnknownServiceError:  # keep the name as written
        service_id = boto_service
    return _pascal_words(str(service_id))


def sdk_error_name(boto_service: str, error_code: str | None) -> str:
    """``ServiceName.ErrorNameException`` for an AWS SDK integration error."""
    prefix = sdk_service_error_prefix(boto_service)
    if not error_code:
        return f"{prefix}.{prefix}Exception"
    name = re.sub(r"(Fault|Exception)$", "", error_code)
    return f"{prefix}.{_pascal_words(name)}Exception"


def _iso(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    if value.microsecond == 0:
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if value.microsecond % 1000 == 0:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _to_json_safe(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _iso(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "read"):  # streaming bodies
        return base64.b64encode(value.read()).decode("ascii")
    return value


def _request_to_boto(params: Any, shape: Shape | None) -> Any:
    """Map PascalCase parameter names onto the API's member names (case-insensitive)."""
    if shape is None:
        return params
    if shape.type_name == "structure" and isinstance(params, dict):
        members = shape.members  # type: ignore[attr-defined]
        by_lower = {name.lower(): name for name in members}
        result: dict[str, Any] = {}
        for key, value in params.items():
            name = by_lower.get(str(key).lower(), str(key))
            result[name] = _request_to_boto(value, members.get(name))
        return result
    if shape.type_name == "list" and isinstance(params, list):
        return [_request_to_boto(item, shape.member) for item in params]  # type: ignore[attr-defined]
    if shape.type_name == "map" and isinstance(params, dict):
        return {k: _request_to_boto(v, shape.value) for k, v in params.items()}  # type: ignore[attr-defined]
    return params


def _response_from_boto(value: Any, shape: Shape | None) -> Any:
    """PascalCase member names, ISO 8601 timestamps, base64 blobs: JSON as AWS returns it."""
    if shape is None:
        return _to_json_safe(value)
    if shape.type_name == "structure" and isinstance(value, dict):
        members = shape.members  # type: ignore[attr-defined]
        return {
            (key[:1].upper() + key[1:]): _response_from_boto(item, members.get(key))
            for key, item in value.items()
        }
    if shape.type_name == "list" and isinstance(value, list):
        return [_response_from_boto(item, shape.member) for item in value]  # type: ignore[attr-defined]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _response_from_boto(v, shape.value) for k, v in value.items()}  # type: ignore[attr-defined]
    return _to_json_safe(value)


# ----------------------------------------------------------------- transitions


def transition_problems(definition: Any, path: str = "") -> list[str]:
    """``MISSING_TRANSITION_TARGET`` problems of an ASL definition (dict), per scope."""
    problems: list[str] = []
    if not isinstance(definition, dict):
        return problems
    states = definition.get("States")
    if not isinstance(states, dict):
        return problems
    names = set(states)
    start_at = definition.get("StartAt")
    if isinstance(start_at, str) and start_at not in names:
        problems.append(
            f"MISSING_TRANSITION_TARGET: Missing 'StartAt' target: {start_at} at {path}/StartAt"
        )
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        here = f"{path}/States/{name}"
        targets: list[tuple[str, str, Any]] = [("Next", f"{here}/Next", state.get("Next"))]
        targets.append(("Default", f"{here}/Default", state.get("Default")))
        for index, choice in enumerate(state.get("Choices") or []):
            if isinstance(choice, dict):
                targets.append(("Next", f"{here}/Choices/{index}/Next", choice.get("Next")))
        for index, catcher in enumerate(state.get("Catch") or []):
            if isinstance(catcher, dict):
                targets.append(("Next", f"{here}/Catch/{index}/Next", catcher.get("Next")))
        for field, where, target in targets:
            if isinstance(target, str) and target not in names:
                problems.append(
                    f"MISSING_TRANSITION_TARGET: Missing '{field}' target: {target} at {where}"
                )
        for index, branch in enumerate(state.get("Branches") or []):
            problems.extend(transition_problems(branch, f"{here}/Branches/{index}"))
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(key), dict):
                problems.extend(transition_problems(state[key], f"{here}/{key}"))
    return problems


# ----------------------------------------------------------------------- install


@register
class StepFunctionsFixes(Service):
    """moto's Step Functions interpreter, corrected where it differs from AWS."""

    name = "sfn_fixes"

    def install(self, patcher: Patcher) -> None:
        _install_json_path(patcher)
        _install_execution_names(patcher)
        _install_context_object(patcher)
        _install_aws_sdk(patcher)
        _install_definition_check(patcher)
        _install_error_codes(patcher)
        _install_jsonata(patcher)
        _install_lambda_errors(patcher)
        _install_stack_balanced_timeouts(patcher)
        _install_lambda_invocation_type(patcher)
        _install_preprocessor_scopes(patcher)
        _install_timed_out_stop_date(patcher)
        _install_execution_history(patcher)


def _rebind(old: Any, new: Any) -> None:
    """Point every parser module that imported ``extract_json`` by name at ``new``."""
    for name, module in list(sys.modules.items()):
        parser_module = name.startswith("moto.stepfunctions.parser") and module is not None
        if parser_module and getattr(module, "extract_json", None) is old:
            setattr(module, "extract_json", new)  # noqa: B010 - rebinding a module global


def _install_json_path(patcher: Patcher) -> None:
    import moto.stepfunctions.parser.asl.utils.json_path as json_path
    import moto.stepfunctions.parser.models  # noqa: F401 - loads every parser module

    original = json_path.extract_json
    patched = _make_extract_json(original)
    _rebind(original, patched)
    # Modules imported later bind the patched function too: undo by scanning again.
    patcher.defer(lambda: _rebind(patched, original))


def _install_execution_names(patcher: Patcher) -> None:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.start_execution

    def start_execution(
        self: Any,
        state_machine_arn: str,
        name: Any = None,
        execution_input: Any = None,
        trace_header: Any = None,
    ) -> Any:
        return original(
            self, state_machine_arn, name or str(uuid.uuid4()), execution_input, trace_header
        )

    patcher.setattr(StepFunctionsParserBackend, "start_execution", start_execution)


def _install_context_object(patcher: Patcher) -> None:
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    original = ExecutionWorker._get_evaluation_environment

    def _get_evaluation_environment(self: Any) -> Any:
        env = original(self)
        execution = env.states.context_object.context_object_data.get("Execution", {})
        start = execution.get("StartTime")
        if isinstance(start, dt.datetime):
            execution["StartTime"] = _iso(start)
        return env

    patcher.setattr(ExecutionWorker, "_get_evaluation_environment", _get_evaluation_environment)


def _install_aws_sdk(patcher: Patcher) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as aws_sdk,
    )

    cls = aws_sdk.StateTaskServiceAwsSdk

    def _operation(self: Any) -> Any:
        service = self._get_boto_service_name()
        action = self._get_boto_service_action()
        model = service_model(service)
        for operation in model.operation_names:
            if re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower() == action or (
                operation.lower() == str(self.resource.api_action).lower()
            ):
                return model.operation_model(operation)
        return None

    def _normalise_parameters(
        self: Any,
        parameters: dict[str, Any],
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        operation = _operation(self)
        if operation is None or operation.input_shape is None:
            return
        converted = _request_to_boto(dict(parameters), operation.input_shape)
        parameters.clear()
        parameters.update(converted)

    def _normalise_response(
        self: Any,
        response: Any,
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        if not isinstance(response, dict):
            return
        operation = _operation(self)
        shape = operation.output_shape if operation is not None else None
        converted = _response_from_boto(response, shape)
        response.clear()
        response.update(converted)
        json.dumps(response)  # must now be JSON: fail here, not in describe_execution

    def _normalise_service_error_name(service_name: str) -> str:
        boto = {"sfn": "stepfunctions", "states": "stepfunctions"}.get(service_name, service_name)
        return sdk_service_error_prefix(boto)

    def _normalise_exception_name(norm_service_name: str, ex: Exception) -> str:
        code = None
        if type(ex).__name__ != "ClientError":
            code = getattr(ex, "response", {}).get("Error", {}).get("Code")
        if not code:
            return f"{norm_service_name}.{norm_service_name}Exception"
        name = re.sub(r"(Fault|Exception)$", "", str(code))
        return f"{norm_service_name}.{_pascal_words(name)}Exception"

    patcher.setattr(cls, "_normalise_parameters", _normalise_parameters)
    patcher.setattr(cls, "_normalise_response", _normalise_response)
    patcher.setattr(
        cls, "_normalise_service_error_name", staticmethod(_normalise_service_error_name)
    )
    patcher.setattr(cls, "_normalise_exception_name", staticmethod(_normalise_exception_name))


def _install_definition_check(patcher: Patcher) -> None:
    from moto.stepfunctions.parser.api import InvalidDefinition
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.__dict__["_validate_definition"].__func__
    valid: set[str] = set()  # definitions already accepted: validation is a pure function

    def _validate_definition(definition: str) -> None:
        if definition in valid:
            return
        original(definition=definition)
        try:
            parsed = json.loads(definition)
        except ValueError:
            return  # moto's own parser accepted it (YAML-ish); nothing more to check
        problems = transition_problems(parsed)
        if problems:
            raise InvalidDefinition(
                message=f"Invalid State Machine Definition: '{', '.join(problems)}'"
            )
        valid.add(definition)

    patcher.setattr(
        StepFunctionsParserBackend, "_validate_definition", staticmethod(_validate_definition)
    )


def _install_error_codes(patcher: Patcher) -> None:
    from moto.core.exceptions import AWSError
    from moto.stepfunctions.parser import api

    for value in list(vars(api).values()):
        if not (isinstance(value, type) and issubclass(value, AWSError)) or value is AWSError:
            continue
        code = value.__dict__.get("code")
        if isinstance(code, str) and not value.__dict__.get("TYPE"):
            patcher.setattr(value, "TYPE", code)
            status = value.__dict__.get("status_code")
            if isinstance(status, int):
                patcher.setattr(value, "STATUS", status)


def _install_jsonata(patcher: Patcher) -> None:
    from moto.stepfunctions.parser.asl.jsonata import jsonata as hook

    try:
        import jsonata
    except ImportError:  # pragma: no cover - jsonata-python is a dev dependency
        LOG.warning("jsonata-python is not installed: JSONata states will fail in moto")
        return

    def eval_jsonata(expression: str) -> Any:
        try:
            return jsonata.Jsonata(expression).evaluate(None)
        except Exception as exc:  # reported the way moto's JVM bridge reports errors
            raise hook.JSONataException("UNKNOWN", str(exc)) from exc

    patcher.setattr(hook, "_eval_jsonata", eval_jsonata)


def _lambda_error(ex: Exception) -> tuple[str, str] | None:
    """(error, cause) as Step Functions reports a Lambda API failure, or None."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    if isinstance(ex, ClientError):
        code = str(ex.response.get("Error", {}).get("Code") or "AWSLambdaException")
        meta = ex.response.get("ResponseMetadata", {})
        details = "; ".join(
            [
                "Service: AWSLambda",
                f"Status Code: {meta.get('HTTPStatusCode')}",
                f"Error Code: {code}",
                f"Request ID: {meta.get('RequestId')}",
                "Proxy: null",
            ]
        )
        return f"Lambda.{code}", f"{ex.response.get('Error', {}).get('Message', '')} ({details})"
    if isinstance(ex, ConnectionError | HTTPClientError):
        return "Lambda.SdkClientException", f"Unable to execute HTTP request: {ex}"
    return None


def _install_lambda_errors(patcher: Patcher) -> None:
    from moto.stepfunctions.parser.api import (
        HistoryEventType,
        LambdaFunctionFailedEventDetails,
        TaskFailedEventDetails,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
        CustomErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_lambda import (  # noqa: E501
        StateTaskServiceLambda,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda import (
        StateTaskLambda,
    )

    def _details(**details: Any) -> Any:
        return dict(details)  # moto's EventDetails is a (total) TypedDict of optional keys

    def named_from_error(original: Any, event_type: Any, details: Any) -> Any:
        """A ``_from_error`` that names Lambda API failures as AWS does, else defers."""

        def from_error(self: Any, env: Any, ex: Exception) -> Any:
            named = _lambda_error(ex)
            if named is None:
                return original(self, env, ex)
            error, cause = named
            return FailureEvent(
                env=env,
                error_name=CustomErrorName(error),
                event_type=event_type,
                event_details=_details(**details(self, error, cause)),
            )

        return from_error

    plain_from_error = named_from_error(
        StateTaskLambda._from_error,
        HistoryEventType.LambdaFunctionFailed,
        lambda _self, error, cause: {
            "lambdaFunctionFailedEventDetails": LambdaFunctionFailedEventDetails(
                error=error, cause=cause
            )
        },
    )
    service_from_error = named_from_error(
        StateTaskServiceLambda._from_error,
        HistoryEventType.TaskFailed,
        lambda self, error, cause: {
            "taskFailedEventDetails": TaskFailedEventDetails(
                error=error,
                cause=cause,
                resource=self._get_sfn_resource(),
                resourceType=self._get_sfn_resource_type(),
            )
        },
    )

    patcher.setattr(StateTaskLambda, "_from_error", plain_from_error)
    patcher.setattr(StateTaskServiceLambda, "_from_error", service_from_error)


def _install_stack_balanced_timeouts(patcher: Patcher) -> None:
    """A Task's ``TimeoutSeconds`` and ``HeartbeatSeconds`` always push their value.

    The cause of the intermittent ``TypeError: int() argument must be a string, a bytes-like
    object or a real number, not 'dict'`` out of GetExecutionHistory:

    * moto evaluates every ASL component through ``EvalComponent.eval``, which does nothing
      ("prunes") once the component's environment is no longer running;
    * a Task runs in its own frame, on its own thread (``ExecutionState._evaluate_with_timeout``
      starts it with ``frame.stack`` a copy of the state's stack, the state input included);
    * when a sibling Parallel branch fails (or StopExecution arrives), the branch's frames
      are stopped at once, whatever their threads are doing;
    * ``StateTaskLambda._eval_execution`` (and ``StateTaskService._before_eval_execution``)
      then do ``self.timeout.eval(env); timeout_seconds = env.stack.pop()``. If the frame
      stopped after the task thread started and before that line, the evaluation is pruned
      and the pop takes the next value on the stack instead: the state's input, a dict. It
      becomes ``timeoutInSeconds`` of the LambdaFunctionScheduled / TaskScheduled event, and
      every later GetExecutionHistory of that execution fails in moto's serialiser
      (``_serialize_type_long``: ``int(dict)``).

    The window is the start-up of the task thread, so it opens under load (2 cores, several
    pytest workers): the run that hits it is the one where a Parallel branch fails while
    another starts a Task (the db-failure scenario), or an execution is stopped.

    The fix: timeouts and heartbeats are pure values, so they are evaluated even in a stopped
    frame, and the pop that follows always takes their own value. (The stopped task may still
    record a few events after the execution ended, as moto did before; they now serialise.)

    Reproduction for moto (with the module docstring's ``run``; fails in most runs)::

        fn = "arn:aws:lambda:us-east-1:123456789012:function:any"  # need not exist
        definition = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True,
            "Branches": [
                {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}},
                {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": fn,
                    "TimeoutSeconds": 60, "End": True,
                    "Parameters": {f"k{i}.$": "$.v" for i in range(150)}}}}]}}}
        arn = run(definition, '{"v": 1}')["executionArn"]
        time.sleep(0.3)  # the stopped branch records its last events
        sfn.get_execution_history(executionArn=arn)  # TypeError in moto's serialiser

    Expected (AWS): the history reads back; a scheduled task's ``timeoutInSeconds`` is 60.
    """
    from moto.stepfunctions.parser.asl.component.common.timeouts.heartbeat import Heartbeat
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import Timeout
    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent

    original = EvalComponent.eval

    def eval_value(self: Any, env: Any) -> None:
        depth = len(env.stack)
        original(self, env)
        if len(env.stack) == depth:  # pruned: the frame stopped before or while evaluating
            self._eval_body(env)

    for cls in (Timeout, Heartbeat):
        patcher.setattr(cls, "eval", eval_value)


def _install_lambda_invocation_type(patcher: Patcher) -> None:
    """``lambda:invoke`` passes ``InvocationType`` on to Invoke, as AWS does (fix 10)."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_lambda as service_lambda,
    )

    bindings = {
        action: set(names) for action, names in service_lambda._SUPPORTED_API_PARAM_BINDINGS.items()
    }
    bindings.setdefault("invoke", set()).add("InvocationType")
    patcher.setattr(service_lambda, "_SUPPORTED_API_PARAM_BINDINGS", bindings)


def _install_preprocessor_scopes(patcher: Patcher) -> None:
    """Every ``Preprocessor`` keeps its own query-language scope stack (fix 11)."""
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    original = Preprocessor.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self._query_language_per_scope = []

    patcher.setattr(Preprocessor, "__init__", __init__)


def _install_timed_out_stop_date(patcher: Patcher) -> None:
    """A timed-out execution's description has its ``stopDate`` (fix 12)."""
    from moto.core.responses import ActionResult
    from moto.stepfunctions.responses import StepFunctionResponse

    original = StepFunctionResponse.describe_execution

    def describe_execution(self: Any) -> Any:
        found = original(self)
        response = found.result if isinstance(found, ActionResult) else None
        if isinstance(response, dict) and str(response.get("status")) in (
            "TIMED_OUT",
            "ExecutionStatus.TIMED_OUT",
        ):
            execution = self.stepfunction_backend.describe_execution(response["executionArn"])
            response.setdefault("stopDate", execution.stop_date)
        return found

    patcher.setattr(StepFunctionResponse, "describe_execution", describe_execution)


# ----------------------------------------------------------------- 13. GetExecutionHistory

HISTORY_PAGE_DEFAULT = 100
HISTORY_PAGE_MAX = 1000
EXECUTION_DATA = frozenset({"input", "output", "parameters"})
"""What ``includeExecutionData: false`` leaves out of an event's details (the data a state
received, sent to its resource, or produced)."""


def _history_json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        seconds = int(stamp.timestamp())
        return seconds + (stamp.microsecond // 1000) / 1000.0 if stamp.microsecond else seconds
    raise TypeError(f"{type(value).__name__} in a history event")


def _without_execution_data(event: dict[str, Any]) -> dict[str, Any]:
    slim: dict[str, Any] = {}
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in EXECUTION_DATA}
        slim[key] = value
    return slim


def history_page(
    events: list[dict[str, Any]],
    *,
    arn: str,
    max_results: int | None,
    token: str | None,
    reverse: bool,
    include_data: bool,
) -> dict[str, Any]:
    """One page of a history as GetExecutionHistory answers it (fix 13). Raises ValueError
    for a token that is not this listing's."""
    size = max_results or HISTORY_PAGE_DEFAULT
    if not 0 < size <= HISTORY_PAGE_MAX:
        raise ValueError(f"maxResults {max_results} is not between 0 and {HISTORY_PAGE_MAX}")
    start = 0
    if token:
        try:
            found = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
            start = int(found["start"])
            if found["arn"] != arn or bool(found["reverse"]) != reverse or start < 0:
                raise ValueError("token of another listing")
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"Token {token[:40]}") from error
    ordered = list(reversed(events)) if reverse else events
    page = ordered[start : start + size]
    answer: dict[str, Any] = {
        "events": page if include_data else [_without_execution_data(e) for e in page]
    }
    if start + size < len(ordered):
        mark = {"arn": arn, "start": start + size, "reverse": reverse}
        answer["nextToken"] = base64.urlsafe_b64encode(json.dumps(mark).encode()).decode()
    return answer


def _install_execution_history(patcher: Patcher) -> None:
    from moto.stepfunctions.exceptions import InvalidToken, ValidationException
    from moto.stepfunctions.responses import StepFunctionResponse

    def get_execution_history(self: Any) -> str:
        arn = str(self._get_param("executionArn"))
        history = self.stepfunction_backend.get_execution_history(arn)
        include = self._get_param("includeExecutionData")
        try:
            page = history_page(
                list(history["events"]),
                arn=arn,
                max_results=self._get_param("maxResults"),
                token=self._get_param("nextToken"),
                reverse=bool(self._get_param("reverseOrder")),
                include_data=include is None or bool(include),
            )
        except ValueError as error:
            if str(error).startswith("Token"):
                raise InvalidToken(str(error)) from error
            raise ValidationException(str(error)) from error
        return json.dumps(page, default=_history_json)

    patcher.setattr(StepFunctionResponse, "get_execution_history", get_execution_history)
