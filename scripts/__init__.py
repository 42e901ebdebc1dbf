"""Operator scripts: deploy and tear down the whole estate (see docs/DEPLOY.md)."""
