"""Fixtures of the jobs tests: items at any point of the loop, outbox rows, and
running the jobs with a `now` the test chooses."""
import pytest

import jobs
from jobs.sending import forget_clients
from pipeline.steps import handling, intake


@pytest.fixture(autouse=True)
def fresh_clients():
    """Each test starts with new WeChat clients (the fake forgets its tokens between tests)."""
    forget_clients()
    yield
    forget_clients()


class Loop:
    """Moves items through the operations at chosen times."""

    def __init__(self, world):
        self.world = world

    def collect(self, now, reporter="zhang", content="小区路灯坏了，晚上很黑", community="全椒路社区", channel="wechat"):
        return intake.collect(self.world.actor(reporter), content, channel, community=community, now=now)

    def classify(self, item, now, unit="jianshe", category="housing", tier="limited", due=None, wide_concern=False):
        return intake.classify(item, self.world.actor("office"), category=category,
                               leader=self.world.staff["leader"].id, unit=self.world.units[unit].id, tier=tier,
                               roadmap="按路线图办理", due=due, wide_concern=wide_concern, now=now)

    def claim(self, item, now, unit="jianshe"):
        return handling.claim(item, self.world.actor(unit), now=now)

    def resolve(self, item, now, unit="jianshe"):
        return handling.resolve(item, self.world.actor(unit), result="已修复并验收", now=now)

    def classified(self, now, **kwargs):
        return self.classify(self.collect(now), now, **kwargs)

    def claimed(self, now, **kwargs):
        return self.claim(self.classified(now, **kwargs), now)

    def resolved(self, now, **kwargs):
        return self.resolve(self.claimed(now, **kwargs), now)


@pytest.fixture
def loop(world):
    return Loop(world)


@pytest.fixture
def run(app):
    """run(now) → every job once at `now`; errors raise."""
    def run_all(now, only=None):
        return jobs.run_once(now, only=only, raise_errors=True)
    return run_all
