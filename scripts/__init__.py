"""Operator scripts: deploy and tear down the whole estate (see docs/DEPLOY.md).

The scripts take the product's constants (the Global Accelerator API region, the topology
names) from its package, ``functions/``, which is made importable here.
"""

import sys
from pathlib import Path

_FUNCTIONS = str(Path(__file__).resolve().parent.parent / "functions")
if _FUNCTIONS not in sys.path:
    sys.path.append(_FUNCTIONS)
