"""The failover drill: the control plane's main job, end to end, on an emulated AWS or live.

``python -m drill --help`` (``make drill`` runs it with the defaults).

The drill reads the estate and the runs as the product does (``failover.estate_view``,
``failover.record``, ``failover.inputs``), so the product's package, ``functions/``, is made
importable here for every mode, live included (the embedded AWS also loads it as Lambda's
code).
"""

import sys
from pathlib import Path

_FUNCTIONS = str(Path(__file__).resolve().parent.parent / "functions")
if _FUNCTIONS not in sys.path:
    sys.path.append(_FUNCTIONS)
