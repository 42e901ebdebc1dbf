"""An HTTP(S) probe of a region's /health endpoint, and each region's watch on every other.

The watch (ProbeHealth, started every minute by an EventBridge schedule) probes every other
region of the estate six times, once in each 10 s period of the clock (:func:`sample_times`),
and publishes each result at once as a high-resolution ``PeerHealthy`` datapoint (1 or 0,
dimension ``Region``), so the 10 s alarm on it and ConfirmOutage see it within seconds.
Why this mechanism for sub-minute probing: EventBridge schedules and CloudWatch Synthetics
stop at one minute; one Lambda per minute that paces itself is the cheapest way to 10 s
resolution that does not depend on the region it watches (about $3.60 a month of arm64
duration), with no VPC and no other moving part. PutMetricData, not the Embedded Metric
Format: the alarm needs the datapoint now, not after log ingestion.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from failover.clients import client
from failover.quorum import PROBE_METRIC, PROBE_PERIOD_SECONDS

if TYPE_CHECKING:
    from failover.config import Settings


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


SAMPLES = 60 // PROBE_PERIOD_SECONDS


def sample_times(start: float, samples: int = SAMPLES) -> list[float]:
    """When to probe (epoch seconds): on the 10 s grid, from the first grid point after
    ``start``, one sample in each period. The schedule starts an invocation each minute with a
    varying delay (queueing, a cold start); samples paced from the invocation's own start would
    leave a 10 s period empty, or holding two samples, at every minute boundary where that
    delay changes. On the grid, consecutive invocations cover consecutive periods."""
    first = (int(start) // PROBE_PERIOD_SECONDS + 1) * PROBE_PERIOD_SECONDS
    return [float(first + i * PROBE_PERIOD_SECONDS) for i in range(samples)]


def watch_others(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Probe every other region of the estate once in each 10 s period for one minute,
    publishing each period's results at once (one PeerHealthy datapoint per watched region).

    The regions are probed side by side: one hung endpoint (3 s timeout) must not delay the
    others' samples out of their periods."""
    others = settings.other_regions
    urls = {region: settings.estate.regions[region].health_url for region in others}
    cloudwatch = client("cloudwatch", settings.home_region)
    results: dict[str, list[dict[str, Any]]] = {region: [] for region in others}
    with ThreadPoolExecutor(max_workers=len(others)) as pool:
        for at in sample_times(datetime.now(UTC).timestamp()):
            wait = at - datetime.now(UTC).timestamp()
            if wait > 0:
                time.sleep(wait)
            answers = pool.map(lambda region: probe(urls[region], timeout=3.0), others)
            found = dict(zip(others, answers, strict=True))
            cloudwatch.put_metric_data(
                Namespace=settings.metrics_namespace,
                MetricData=[
                    {
                        "MetricName": PROBE_METRIC,
                        "Dimensions": [{"Name": "Region", "Value": region}],
                        "Timestamp": datetime.fromtimestamp(at, UTC),
                        "Value": 1.0 if answer.healthy else 0.0,
                        "Unit": "Count",
                        "StorageResolution": 1,
                    }
                    for region, answer in found.items()
                ],
            )
            for region, answer in found.items():
                results[region].append(
                    {"healthy": answer.healthy, "status": answer.status, "error": answer.error}
                )
    return results
