"""Helpers the WeChat tests share (plain code; fixtures are in conftest.py)."""
from datetime import timedelta

# The safe-mode (AES) key of the tests' official account.
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


class Clock:
    """A clock the test sets (`clock.now = …`) or moves (`clock.advance(minutes=5)`)."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)
        return self.now
