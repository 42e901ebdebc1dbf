"""An embedded AWS in this process: moto's ``mock_aws`` with Step Functions execution on, plus
the project's emulation of what moto lacks (:mod:`emulator`).

Why in-process, not moto's server mode: modelled time is a discrete-event simulation
(:mod:`emulator.clock`) that knows which threads take part in it. A handler's AWS calls must
run *on the thread that makes them*, so that their latency, a slow fault or an unreachable
region costs that actor modelled time, and so that what the call sets off (a state machine
starting, an asynchronous invoke) is started by an actor the clock counts. Through a server,
every call would be served by the server's own threads, which the clock cannot follow: time
could advance while a call is still being served. Under ``mock_aws`` botocore hands each call
to moto on the calling thread. Nothing listens on a port; only the estate's ``/health``
endpoints are real HTTP servers on 127.0.0.1.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

REPO = Path(__file__).resolve().parent.parent

# Credentials and settings the embedded AWS runs with; the user's own never apply here.
_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "drill",
    "AWS_SECRET_ACCESS_KEY": "drill",
    "AWS_SESSION_TOKEN": "drill",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}
_REMOVED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_ENDPOINT_URL")
_MOTO_CONFIG: Any = {
    "core": {"reset_boto3_session": True},
    "stepfunctions": {"execute_state_machine": True},
}


class EmbeddedAwsError(RuntimeError):
    """The embedded AWS could not start (the message says why and what to do)."""


class EmbeddedAws:
    """``with EmbeddedAws(time_scale) as aws:`` ... ``aws.emulator``."""

    def __init__(self, time_scale: float = 0.0, latency: Any = None) -> None:
        self.time_scale = time_scale
        self.latency = latency  # an emulator.latency.LatencyModel (None: the floor model)
        self.emulator: Any = None
        self._mock: Any = None
        self._saved_env: dict[str, str | None] = {}
        self._added_path: list[str] = []

    def __enter__(self) -> EmbeddedAws:
        try:
            self._start()
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()

    # ----------------------------------------------------------------------------------
    def _start(self) -> None:
        # moto's own trace of failures the state machine catches by design.
        logging.getLogger("moto").setLevel(logging.CRITICAL)
        self._set_environment()
        for path in (str(REPO / "functions"), str(REPO)):
            if path not in sys.path:
                sys.path.insert(0, path)
                self._added_path.append(path)
        from failover import clients
        from moto import mock_aws

        from emulator import Emulator

        self._mock = mock_aws(config=_MOTO_CONFIG)
        self._mock.start()
        clients.reset()
        self.emulator = Emulator.install(time_scale=self.time_scale, latency=self.latency)

    def _set_environment(self) -> None:
        for key in (*_ENVIRONMENT, *_REMOVED):
            self._saved_env.setdefault(key, os.environ.get(key))
        for key in _REMOVED:
            os.environ.pop(key, None)
        os.environ.update(_ENVIRONMENT)

    def _stop(self) -> None:
        if self.emulator is not None:
            self.emulator.uninstall()
            self.emulator = None
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()
        try:
            from failover import clients

            clients.reset()
        except ImportError:
            pass
        for path in self._added_path:
            if path in sys.path:
                sys.path.remove(path)
        self._added_path.clear()
