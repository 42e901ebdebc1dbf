"""An HTTP(S) probe of a region's /health endpoint."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass(frozen=True)
class ProbeResult:
    url: str
    healthy: bool
    status: int | None
    error: str | None = None


def probe(url: str, timeout: float = 3.0) -> ProbeResult:
    """GET ``url``; healthy means a 2xx answer within ``timeout`` seconds."""
    if not url.startswith(("https://", "http://")):
        return ProbeResult(url, False, None, "only http(s) URLs are probed")
    request = urllib.request.Request(url, method="GET", headers={"User-Agent": "failover-probe"})  # noqa: S310 - scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
            status = int(response.status)
            return ProbeResult(url, 200 <= status < 300, status)
    except urllib.error.HTTPError as error:
        return ProbeResult(url, False, error.code, f"HTTP {error.code}")
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        return ProbeResult(url, False, None, f"{type(error).__name__}: {error}")
