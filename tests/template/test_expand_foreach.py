"""testbed.template.expand_foreach expands Fn::ForEach as AWS::LanguageExtensions does."""

from __future__ import annotations

from typing import Any

import pytest

from testbed.template import ForEachError, expand_foreach

REGIONS = ["us-east-1", "eu-west-1", "us-west-2"]


def template(fragment: dict[str, Any]) -> dict[str, Any]:
    return {
        "Parameters": {"Regions": {"Type": "CommaDelimitedList", "Default": "a-1,b-2"}},
        "Resources": {"Fn::ForEach::Regions": ["Region", {"Ref": "Regions"}, fragment]},
    }


def test_one_resource_per_item_keyed_by_the_item_without_its_hyphens() -> None:
    fragment = {"Check&{Region}": {"Type": "AWS::Route53::HealthCheck"}}

    resources = expand_foreach(template(fragment), {"Regions": REGIONS})["Resources"]

    assert list(resources) == ["Checkuseast1", "Checkeuwest1", "Checkuswest2"]


def test_the_parameter_default_is_the_collection_when_no_value_is_given() -> None:
    fragment = {"Check&{Region}": {"Type": "T"}}

    assert list(expand_foreach(template(fragment))["Resources"]) == ["Checka1", "Checkb2"]


def test_every_string_ref_and_getatt_take_the_item() -> None:
    fragment = {
        "Alarm&{Region}": {
            "Type": "T",
            "Properties": {
                "Name": {"Fn::Sub": "${EstateName}-health-${Region}"},
                "Region": {"Ref": "Region"},
                "Check": {"Ref": {"Fn::Sub": "Check&{Region}"}},
                "Arn": {"Fn::GetAtt": [{"Fn::Sub": "Check&{Region}"}, "Arn"]},
                "Dial": {"Fn::If": ["Is&{Region}", 100, {"Ref": "Region"}]},
                "Other": {"Ref": "Other"},
            },
        }
    }

    props = expand_foreach(template(fragment), {"Regions": "eu-west-1"})["Resources"][
        "Alarmeuwest1"
    ]["Properties"]

    assert props == {
        "Name": {"Fn::Sub": "${EstateName}-health-eu-west-1"},
        "Region": "eu-west-1",
        "Check": {"Ref": "Checkeuwest1"},
        "Arn": {"Fn::GetAtt": ["Checkeuwest1", "Arn"]},
        "Dial": {"Fn::If": ["Iseuwest1", 100, "eu-west-1"]},
        "Other": {"Ref": "Other"},
    }


def test_nested_loops_see_both_identifiers() -> None:
    fragment = {
        "Fn::ForEach::Others": [
            "Other",
            {"Ref": "Regions"},
            {"Rule&{Region}To&{Other}": {"Fn::Sub": "${Region}->${Other}"}},
        ]
    }

    resources = expand_foreach(template(fragment), {"Regions": ["a-1", "b-2"]})["Resources"]

    assert resources["Rulea1Tob2"] == {"Fn::Sub": "a-1->b-2"}
    assert len(resources) == 4


def test_a_key_without_the_identifier_is_refused() -> None:
    with pytest.raises(ForEachError, match="does not use Region"):
        expand_foreach(template({"Check": {"Type": "T"}}), {"Regions": REGIONS})


def test_two_items_with_the_same_key_are_refused() -> None:
    fragment = {"Check&{Region}": {"Type": "T"}}

    with pytest.raises(ForEachError, match="appears twice"):
        expand_foreach(template(fragment), {"Regions": ["us-east-1", "useast-1"]})


def test_the_input_is_left_as_it_was() -> None:
    given = template({"Check&{Region}": {"Type": "T"}})

    expand_foreach(given, {"Regions": REGIONS})

    assert "Fn::ForEach::Regions" in given["Resources"]
