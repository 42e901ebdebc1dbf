"""Speed, not behaviour: share botocore's parsed service models between sessions (and a few
other things that cost time to rebuild and nobody modifies).

``mock_aws()`` gives every test a fresh ``boto3.DEFAULT_SESSION`` and code such as
``failover.clients`` builds a new ``boto3.session.Session()`` per execution environment; each
new botocore session parses the service JSON again (~0.1-0.2 s per client). While the
emulator is installed, every session uses one shared ``botocore.loaders.Loader`` per data
path (``botocore/session.py`` ``create_loader``). Sessions already share these read-only
dicts between their own clients, so sharing them across sessions changes nothing else.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._patching import Patcher

__all__ = ["install"]


#: One loader per data path for the whole process: each install of the emulator (every test,
#: every drill) would otherwise parse the same service JSON again.
_LOADERS: dict[str | None, Any] = {}
_LOADERS_LOCK = threading.Lock()


def install(patcher: Patcher) -> None:
    import botocore.session

    original = botocore.session.create_loader

    def create_loader(search_path_string: str | None = None) -> Any:
        with _LOADERS_LOCK:
            loader = _LOADERS.get(search_path_string)
            if loader is None:
                loader = _LOADERS[search_path_string] = original(search_path_string)
            return loader

    patcher.setattr(botocore.session, "create_loader", create_loader)

    _cache_asl_parse_trees(patcher)
    _cache_interpreter_clients(patcher)
    _share_kms_private_keys(patcher)


_KMS_KEYS: dict[str, Any] = {}
_KMS_KEYS_LOCK = threading.Lock()


def _share_kms_private_keys(patcher: Patcher) -> None:
    """One asymmetric private key per key spec for the whole process.

    moto generates an RSA private key for every KMS key it creates, symmetric ones included
    (``moto/kms/models.py`` ``Key.__init__``; about 0.15 s per estate for the default
    ``aws/*`` keys), though only Sign, Verify and GetPublicKey read it; nothing here calls them.
    Encryption uses each key's own material (``generate_master_key``), which stays unique.
    """
    import moto.kms.models as kms

    original = kms.generate_private_key

    def generate_private_key(key_spec: str) -> Any:
        with _KMS_KEYS_LOCK:
            found = _KMS_KEYS.get(key_spec)
            if found is None:
                found = _KMS_KEYS[key_spec] = original(key_spec)
            return found

    patcher.setattr(kms, "generate_private_key", generate_private_key)


def _cache_interpreter_clients(patcher: Patcher) -> None:
    """One client per (service, region) for moto's Step Functions interpreter.

    ``boto_client_for`` builds a new boto3 client for every Task it runs (one per Lambda
    invocation). Its clients carry fixed fake credentials and the same config every time, and
    boto3 clients are thread-safe, so one per (service, region) serves every Task.

    moto passes every Task the execution's role as ``state_credentials``
    (``StateTask._eval_state_credentials``) and ``boto_client_for`` ignores it (the keys are
    always "ak"/"sk"), so the role is not part of the key: keying on it, or building a fresh
    client whenever a role is given, would build one per Task again (it did: a tenth of a
    scenario test's CPU).
    """
    import importlib

    from moto.stepfunctions.parser.asl.utils import boto_client

    original = boto_client.boto_client_for
    clients: dict[tuple[str, str, bool], Any] = {}
    lock = threading.Lock()

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        del state_credentials  # unused by moto's own boto_client_for too (see above)
        from moto.core.models import botocore_stubber

        key = (region, service, bool(botocore_stubber.enabled))
        with lock:
            found = clients.get(key)
            if found is None:
                found = clients[key] = original(region=region, service=service)
            return found

    for name in (
        "moto.stepfunctions.parser.asl.utils.boto_client",
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service",
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk",
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sns",
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb",
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sqs",
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_events",
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn",
    ):
        module = importlib.import_module(name)
        if getattr(module, "boto_client_for", None) is original:
            patcher.setattr(module, "boto_client_for", boto_client_for)


_ASL_TREES: dict[str, Any] = {}
"""ANTLR parse trees by definition text, kept across installs (trees are never modified)."""
_ASL_TREES_LOCK = threading.Lock()


def _cache_asl_parse_trees(patcher: Patcher) -> None:
    """Lex and parse each distinct ASL definition once (ANTLR in pure Python: ~0.3 s each).

    moto parses the definition at ``CreateStateMachine`` and again at every execution start.
    The ANTLR parse tree is only read afterwards, so it is cached by definition text; the
    evaluation components are still built fresh by a new ``Preprocessor`` for every call, so
    no execution shares state with another.
    """
    from antlr4 import CommonTokenStream, InputStream  # type: ignore[import-untyped]
    from moto.stepfunctions.parser.asl.antlr.runtime.ASLLexer import ASLLexer
    from moto.stepfunctions.parser.asl.antlr.runtime.ASLParser import ASLParser
    from moto.stepfunctions.parser.asl.parse.asl_parser import (
        AmazonStateLanguageParser,
        ASLParserException,
        SyntaxErrorListener,
    )
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    trees = _ASL_TREES
    lock = _ASL_TREES_LOCK

    def parse(definition: str) -> tuple[Any, Any]:
        with lock:
            tree = trees.get(definition)
        if tree is None:
            listener = SyntaxErrorListener()
            parser = ASLParser(CommonTokenStream(ASLLexer(InputStream(definition))))
            parser.removeErrorListeners()
            parser.addErrorListener(listener)
            tree = parser.state_machine()
            if listener.errors:
                raise ASLParserException(errors=listener.errors)
            with lock:
                if len(trees) >= 64:
                    trees.clear()
                trees[definition] = tree
        return Preprocessor().visit(tree), tree

    patcher.setattr(AmazonStateLanguageParser, "parse", staticmethod(parse))
