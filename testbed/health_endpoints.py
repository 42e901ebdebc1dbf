"""Real HTTP /health endpoints on loopback, one per region, whose answer can be switched.

The control plane probes them exactly as it probes an ALB: an HTTP GET with a timeout.
"""

from __future__ import annotations

import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Server(ThreadingHTTPServer):
    # An ALB does not refuse connections when several checkers arrive at once; the socket
    # module's default listen backlog (5) does: at a minute boundary the Route 53 and Global
    # Accelerator checkers and both probes connect in the same modelled instant, and a dropped
    # SYN costs a 1 s retransmit that, on a loaded machine, can outlast a checker's timeout
    # and read as a failed check with no outage.
    request_queue_size = 128


class HealthEndpoints:
    """Serves ``GET /<region>/health`` with 200 while healthy and 503 during an outage."""

    def __init__(self, regions: list[str], host: str = "127.0.0.1", port: int = 0) -> None:
        self._healthy = dict.fromkeys(regions, True)
        self._lock = threading.Lock()
        endpoints = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                region, _, rest = self.path.strip("/").partition("/")
                if rest != "health" or region not in endpoints._healthy:
                    self.send_error(HTTPStatus.NOT_FOUND)
                    return
                ok = endpoints.is_healthy(region)
                body = b'{"status":"ok"}' if ok else b'{"status":"unavailable"}'
                self.send_response(HTTPStatus.OK if ok else HTTPStatus.SERVICE_UNAVAILABLE)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = _Server((host, port), Handler)
        self._server.daemon_threads = True
        # shutdown() waits for the serve loop to notice, once per poll interval (default 0.5 s):
        # every estate's teardown paid it.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> HealthEndpoints:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, region: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/{region}/health"

    def set_healthy(self, region: str, healthy: bool) -> None:
        with self._lock:
            self._healthy[region] = healthy

    def is_healthy(self, region: str) -> bool:
        with self._lock:
            return self._healthy[region]
