"""An embedded AWS on loopback: moto in server mode, Step Functions execution on, plus the
project's emulation of what moto lacks (:mod:`emulator`).

Everything runs in this process: moto's server in a thread, the failover handlers in-process
(as moto's Lambda functions), the emulator's patches on moto. Clients of this process and of
the handlers reach the server through ``AWS_ENDPOINT_URL``; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_PORT = 5075

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
    "POWERTOOLS_METRICS_DISABLED": "true",
}
_REMOVED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION")


class EmbeddedAwsError(RuntimeError):
    """The embedded AWS could not start (the message says why and what to do)."""


class EmbeddedAws:
    """``with EmbeddedAws(port, time_scale) as aws:`` ... ``aws.emulator``, ``aws.endpoint``."""

    def __init__(self, port: int = DEFAULT_PORT, time_scale: float = 0.0) -> None:
        self.port = port
        self.time_scale = time_scale
        self.endpoint = ""
        self.emulator: Any = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._saved_env: dict[str, str | None] = {}
        self._saved_config: Any = None
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
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        # Request logs, and moto's own trace of failures the state machine catches by design.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        logging.getLogger("moto").setLevel(logging.CRITICAL)
        try:
            # Bound here, in this thread: a port in use fails now, with nothing started.
            self._server = make_server(
                HOST,
                self.port,
                DomainDispatcherApplication(create_backend_app),
                threaded=True,
                request_handler=MotoRequestHandler,
            )
        except OSError as error:
            if error.errno == errno.EADDRINUSE or isinstance(error, PermissionError):
                raise EmbeddedAwsError(
                    f"cannot start the embedded AWS: port {self.port} on {HOST} is in use "
                    "(another drill, or a moto server?). Stop that process, or pass "
                    "--port 0 to take any free port."
                ) from error
            raise EmbeddedAwsError(
                f"cannot start the embedded AWS on {HOST}:{self.port}: {error}"
            ) from error
        except SystemExit as error:  # werkzeug exits when the port is taken on some versions
            raise EmbeddedAwsError(
                f"cannot start the embedded AWS: port {self.port} on {HOST} is in use. "
                "Pass --port 0 to take any free port."
            ) from error
        host, port = self._server.server_address[:2]
        self.port = int(port)
        self.endpoint = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="embedded-aws", daemon=True
        )
        self._thread.start()
        self._set_environment()
        self._configure_moto()
        for path in (str(REPO / "functions"), str(REPO)):
            if path not in sys.path:
                sys.path.insert(0, path)
                self._added_path.append(path)

        import boto3
        from failover import clients

        from emulator import Emulator, ModelledClock

        boto3.DEFAULT_SESSION = None
        clients.reset()
        self.emulator = Emulator.install(clock=ModelledClock(self.time_scale))

    def _set_environment(self) -> None:
        values = dict(_ENVIRONMENT)
        values["AWS_ENDPOINT_URL"] = self.endpoint
        values["MOTO_PORT"] = str(self.port)
        for key in (*values, *_REMOVED):
            self._saved_env.setdefault(key, os.environ.get(key))
        for key in _REMOVED:
            os.environ.pop(key, None)
        os.environ.update(values)

    def _configure_moto(self) -> None:
        from moto.core.config import default_user_config

        self._saved_config = {k: dict(v) for k, v in default_user_config.items()}  # type: ignore[call-overload]
        default_user_config["stepfunctions"] = {"execute_state_machine": True}

    def _stop(self) -> None:
        if self.emulator is not None:
            self.emulator.uninstall()
            self.emulator = None
        if self._server is not None:
            if self._thread is not None and self._thread.is_alive():
                self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._saved_config is not None:
            from moto.core.config import default_user_config

            default_user_config.clear()  # type: ignore[attr-defined]
            default_user_config.update(self._saved_config)
            self._saved_config = None
        self._reset_moto()
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()
        for path in self._added_path:
            if path in sys.path:
                sys.path.remove(path)
        self._added_path.clear()
        try:
            import boto3
            from failover import clients

            boto3.DEFAULT_SESSION = None
            clients.reset()
        except ImportError:
            pass

    @staticmethod
    def _reset_moto() -> None:
        """Forget every emulated resource (the next drill in this process starts empty)."""
        from moto.core.base_backend import BackendDict

        BackendDict.reset()


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
