"""Where the commercial AWS Regions are, and which of a set is nearest to a given one.

Used to choose the lease table's replica for a control plane outside the table's multi-Region
strong consistency set (``failover.table``): the nearest member first. Nearness is great-circle
distance between the Regions' cities. The cities are AWS's own
(https://aws.amazon.com/about-aws/global-infrastructure/regions_az/ names each Region's
location); the coordinates are those cities', to a tenth of a degree. Distance is a proxy for
network round-trip time, not a measurement of it: a round trip cannot beat light in fibre over
the great circle (about 200,000 km/s, two-thirds of c), and measured inter-Region round trips
are commonly 1.3-2 times that floor (distance -> theoretical lower bound -> observed latency:
https://dev.to/aws-builders/looking-at-aws-inter-region-latency-through-distance-34eh). The
ordering only has to be right between candidates that differ by far more than that spread
(a set's members are hundreds to thousands of km apart, seen from outside the set).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from failover.errors import ConfigurationError

# Region -> (latitude, longitude) of the city AWS names for it.
CITIES: dict[str, tuple[float, float]] = {
    "us-east-1": (38.9, -77.4),  # Northern Virginia
    "us-east-2": (40.0, -83.0),  # Ohio (Columbus)
    "us-west-1": (37.4, -121.9),  # Northern California
    "us-west-2": (45.8, -119.7),  # Oregon (Boardman)
    "ca-central-1": (45.5, -73.6),  # Montreal
    "ca-west-1": (51.0, -114.1),  # Calgary
    "mx-central-1": (20.6, -100.4),  # Querétaro
    "sa-east-1": (-23.5, -46.6),  # São Paulo
    "eu-west-1": (53.3, -6.3),  # Ireland (Dublin)
    "eu-west-2": (51.5, -0.1),  # London
    "eu-west-3": (48.9, 2.4),  # Paris
    "eu-central-1": (50.1, 8.7),  # Frankfurt
    "eu-central-2": (47.4, 8.5),  # Zurich
    "eu-north-1": (59.3, 18.1),  # Stockholm
    "eu-south-1": (45.5, 9.2),  # Milan
    "eu-south-2": (41.6, -0.9),  # Spain (Aragón)
    "il-central-1": (32.1, 34.8),  # Tel Aviv
    "me-south-1": (26.1, 50.6),  # Bahrain
    "me-central-1": (24.5, 54.4),  # UAE
    "af-south-1": (-33.9, 18.4),  # Cape Town
    "ap-south-1": (19.1, 72.9),  # Mumbai
    "ap-south-2": (17.4, 78.5),  # Hyderabad
    "ap-east-1": (22.3, 114.2),  # Hong Kong
    "ap-east-2": (25.0, 121.5),  # Taipei
    "ap-southeast-1": (1.4, 103.8),  # Singapore
    "ap-southeast-2": (-33.9, 151.2),  # Sydney
    "ap-southeast-3": (-6.2, 106.8),  # Jakarta
    "ap-southeast-4": (-37.8, 145.0),  # Melbourne
    "ap-southeast-5": (3.1, 101.7),  # Malaysia
    "ap-southeast-7": (13.8, 100.5),  # Thailand
    "ap-northeast-1": (35.7, 139.7),  # Tokyo
    "ap-northeast-2": (37.6, 127.0),  # Seoul
    "ap-northeast-3": (34.7, 135.5),  # Osaka
}

EARTH_RADIUS_KM = 6371.0
LIGHT_IN_FIBRE_KM_PER_S = 200_000.0
"""About two-thirds of c: the refractive index of silica fibre is about 1.47."""


def _city(region: str) -> tuple[float, float]:
    found = CITIES.get(region)
    if found is None:
        raise ConfigurationError(f"{region}: not a commercial AWS Region this project knows")
    return found


def distance_km(a: str, b: str) -> float:
    """Great-circle distance between two Regions' cities (haversine)."""
    (lat1, lon1), (lat2, lon2) = _city(a), _city(b)
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def round_trip_floor_seconds(a: str, b: str) -> float:
    """The least a round trip between two Regions can take: there and back at light-in-fibre
    speed along the great circle. Real round trips are longer (routes, equipment)."""
    return 2 * distance_km(a, b) / LIGHT_IN_FIBRE_KM_PER_S


def nearest_first(origin: str, regions: Iterable[str]) -> tuple[str, ...]:
    """``regions`` ordered by distance from ``origin`` (``origin`` itself first, if present);
    ties by name, so the order is stable."""
    return tuple(sorted(set(regions), key=lambda region: (distance_km(origin, region), region)))
