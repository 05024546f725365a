"""Helpers for tests that use real parts (worker, SMTP): see tests/realparts.py."""

import time


def wait_for(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False
