"""The template gates read templates through the test bed's CloudFormation YAML loader.

from tests.template.cfn_yaml import load_template

table = load_template(LEASE_STACK)["Resources"]["FailoverTable"]["Properties"]
"""

from __future__ import annotations

from testbed.template import LEASE_STACK, REPO_ROOT, TEMPLATE, CfnYamlLoader, load_template

TEMPLATE_PATH = TEMPLATE

__all__ = ["LEASE_STACK", "REPO_ROOT", "TEMPLATE_PATH", "CfnYamlLoader", "load_template"]
