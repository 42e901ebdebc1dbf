"""The failover drill: the control plane's main job, end to end, on an emulated AWS or live.

``python -m drill --help`` (``make drill`` runs it with the defaults).
"""
