"""The host name each deployed component gives Airflow, as its container would (AIRFLOW__CORE__HOSTNAME_CALLABLE).

A module of its own: the components import it, and must import nothing of the test session (tests/conftest.py sets
the session's Airflow home and build cache when imported)."""

from __future__ import annotations

import os


def host_name() -> str:
    return os.environ["HOST_NAME"]
