"""Any 2 to 4 commercial regions: the testbed's and the drill's region-generic pieces (fast)."""

from __future__ import annotations

import pytest
from failover.geography import CITIES

from drill.cli import main
from drill.floors import detection_terms, template_settings
from emulator.services.dynamodb import MRSC_REGION_SETS
from testbed.estate import (
    ALB_ZONE_IDS,
    US_LEASE_REGIONS,
    EstateSpec,
    EstateSpecError,
    alb_zone_id,
    default_lease_regions,
)


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        (("us-east-1", "us-west-2"), ("us-east-1", "us-west-2", "us-east-2")),
        (("us-east-1", "eu-west-1"), ("us-east-1", "us-east-2", "us-west-2")),
        (("eu-west-1", "eu-west-2"), ("eu-west-1", "eu-west-2", "eu-west-3")),
        (("eu-west-1", "us-east-1"), ("eu-west-1", "eu-west-2", "eu-west-3")),
        (("sa-east-1", "us-east-1"), US_LEASE_REGIONS),
        (
            ("ap-northeast-1", "ap-northeast-3"),
            ("ap-northeast-1", "ap-northeast-3", "ap-northeast-2"),
        ),
    ],
)
def test_the_default_lease_set_is_the_primarys_own_else_the_us_one(
    pair: tuple[str, str], expected: tuple[str, str, str]
) -> None:
    found = default_lease_regions(*pair)

    assert set(found) == set(expected)
    assert any(set(found) <= members for members in MRSC_REGION_SETS)
    if any(pair[0] in members for members in MRSC_REGION_SETS):
        assert found[0] == pair[0]


def test_every_lease_set_member_and_every_listed_region_is_a_known_region() -> None:
    for members in MRSC_REGION_SETS:
        for region in members:
            assert alb_zone_id(region).startswith("Z")
    assert set(ALB_ZONE_IDS) <= set(CITIES)
    assert len(set(ALB_ZONE_IDS.values())) == len(ALB_ZONE_IDS)


def test_a_region_without_a_known_alb_zone_is_refused_by_name() -> None:
    with pytest.raises(EstateSpecError, match="mx-central-1"):
        EstateSpec(regions=("us-east-1", "mx-central-1"))


def test_a_pair_of_one_region_is_refused() -> None:
    with pytest.raises(EstateSpecError, match="regions: eu-west-1 appears more than once"):
        EstateSpec(regions=("eu-west-1", "eu-west-1"))


@pytest.mark.parametrize("count", [1, 5])
def test_an_estate_has_two_to_four_regions(count: int) -> None:
    regions = ("us-east-1", "us-west-2", "eu-west-1", "eu-west-2", "ap-northeast-1")[:count]

    with pytest.raises(EstateSpecError, match="regions: 2 to 4 regions"):
        EstateSpec(regions=regions)


def test_three_regions_in_priority_order() -> None:
    spec = EstateSpec(regions=("us-east-1", "eu-west-1", "us-west-2"))

    assert spec.primary == "us-east-1"
    assert spec.others("us-east-1") == ("eu-west-1", "us-west-2")
    assert spec.others("eu-west-1") == ("us-east-1", "us-west-2")
    assert default_lease_regions(*spec.regions) == ("us-east-1", "us-west-2", "us-east-2")


def test_route53_votes_in_region_down_unless_us_east_1_is_the_region_down() -> None:
    settings = template_settings()
    lost = detection_terms(settings, region_down=True)[0].why
    kept = detection_terms(settings, region_down=True, route53_down=False)[0].why

    assert "route53" not in lost
    assert "route53" in kept


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--regions", "us-east-1"], "2 to 4 distinct regions"),
        (["--regions", "us-east-1,us-east-1"], "2 to 4 distinct regions"),
        (["--regions", "us-east-1,us-east-2,us-west-1,us-west-2,eu-west-1"], "2 to 4 distinct"),
        (["--regions", "us-east-1,mars-north-1"], "mars-north-1: not a commercial AWS Region"),
        (["--lease-regions", "eu-west-1,eu-west-2"], "3 distinct regions"),
        (["--scenario", "priority"], "3 or 4 regions in priority order"),
        (["--scenario", "rebuild-window", "--regions", "us-east-1,eu-west-1"], "3 or 4"),
        (["--regions", "eu-west-1,eu-west-2", "--scenario", "ga-brownout"], "default pair"),
        (
            [
                "--regions",
                "eu-west-1,eu-west-2",
                "--scenario",
                "region-down",
                "--region",
                "eu-west-2",
            ],
            "default pair",
        ),
        (["--live", "--region", "us-west-2", "--regions", "us-east-1,eu-west-1"], "--regions"),
        (["readiness", "--live", "--region", "us-west-2", "--regions", "a-b-1,c-d-2"], "a-b-1"),
    ],
)
def test_bad_regions_get_a_usage_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)

    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_a_reader_outside_the_lease_set_reads_the_nearest_member_that_answers() -> None:
    from emulator.faults import Faults

    estate = _TableReader(EstateSpec(regions=("us-east-1", "eu-west-1")), Faults())

    assert estate.table_region("us-east-1") == "us-east-1"
    assert estate.table_region("eu-west-1") == "us-east-1"  # the nearest US member
    estate.emulator.faults.unreachable_regions.add("us-east-1")
    assert estate.table_region("eu-west-1") == "us-east-2"


class _TableReader:
    """Just enough of a LocalEstate for :meth:`LocalEstate.table_region`."""

    def __init__(self, spec: EstateSpec, faults: object) -> None:
        from types import SimpleNamespace

        self.spec = spec
        self.emulator = SimpleNamespace(faults=faults)

    def table_region(self, region: str) -> str:
        from testbed.estate import LocalEstate

        return LocalEstate.table_region(self, region)  # type: ignore[arg-type]
