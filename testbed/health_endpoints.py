"""Real HTTP endpoints on loopback, two per region, as the container contract
(docs/DEPLOY.md) has the application answer them behind its ALB:

- ``GET /<region>/health``: **the region is up** (200), or not (503, during an outage). The
  ALB target group, the Route 53 health checks, Global Accelerator (through the ALB's target
  health) and every other region's probe read it; the standby answers 200 too.
- ``GET /<region>/app``: a user's request. Served (200, the body names the region) where the
  application **may serve** (``may_serve``: in active-passive, its database is the writer);
  else redirected (307) to a region that may serve (the writer's; the first other region in
  priority order when none may), so a region that was failed away from never
  serves users when it returns, even while Global Accelerator still sends them there
  (dials that could not be moved: GA's API was down with it). 503 while the region is down.

The control plane probes them exactly as it probes an ALB: an HTTP GET with a timeout.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
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
    """Serves ``GET /<region>/health`` (200 while up, 503 during an outage) and
    ``GET /<region>/app`` (200 where ``may_serve(region)``, else 307 to a region that may:
    ``regions`` are in priority order, and with none that may, the first other one)."""

    def __init__(
        self,
        regions: list[str],
        host: str = "127.0.0.1",
        port: int = 0,
        may_serve: Callable[[str], bool] | None = None,
    ) -> None:
        self._healthy = dict.fromkeys(regions, True)
        self.may_serve: Callable[[str], bool] = may_serve or (lambda _: True)
        self._lock = threading.Lock()
        endpoints = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                region, _, rest = self.path.strip("/").partition("/")
                if rest not in ("health", "app") or region not in endpoints._healthy:
                    self.send_error(HTTPStatus.NOT_FOUND)
                    return
                ok = endpoints.is_healthy(region)
                if rest == "app" and ok and not endpoints.may_serve(region):
                    others = [r for r in endpoints._healthy if r != region]
                    to = next((r for r in others if endpoints.may_serve(r)), others[0])
                    self.send_response(HTTPStatus.TEMPORARY_REDIRECT)
                    self.send_header("Location", endpoints.url(to, "app"))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if rest == "app" and ok:
                    body = json.dumps({"served_by": region}).encode()
                    self.send_response(HTTPStatus.OK)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
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

    def url(self, region: str, path: str = "health") -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/{region}/{path}"

    def set_healthy(self, region: str, healthy: bool) -> None:
        with self._lock:
            self._healthy[region] = healthy

    def is_healthy(self, region: str) -> bool:
        with self._lock:
            return self._healthy[region]

    def request(self, region: str) -> str | None:
        """A user's request landing in ``region`` (redirects followed): the region that served
        it, or None when nobody did (the region is down, or redirects that loop)."""
        try:
            with urllib.request.urlopen(self.url(region, "app"), timeout=2.0) as response:  # noqa: S310 - loopback
                return str(json.loads(response.read())["served_by"])
        except (urllib.error.URLError, OSError, ValueError, KeyError):
            return None
