"""Speed, not behaviour: share botocore's parsed service models between sessions.

``mock_aws()`` gives every test a fresh ``boto3.DEFAULT_SESSION`` and code such as
``failover.clients`` builds a new ``boto3.session.Session()`` per execution environment; each
new botocore session parses the service JSON again (~0.1-0.2 s per client). While the
emulator is installed, every session uses one shared ``botocore.loaders.Loader`` per data
path (``botocore/session.py`` ``create_loader``). Sessions already share these read-only
dicts between their own clients, so sharing them across sessions changes nothing else.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._patching import Patcher

__all__ = ["install"]


def install(patcher: Patcher) -> None:
    import botocore.session

    original = botocore.session.create_loader
    loaders: dict[str | None, Any] = {}
    lock = threading.Lock()

    def create_loader(search_path_string: str | None = None) -> Any:
        with lock:
            loader = loaders.get(search_path_string)
            if loader is None:
                loader = loaders[search_path_string] = original(search_path_string)
            return loader

    patcher.setattr(botocore.session, "create_loader", create_loader)
