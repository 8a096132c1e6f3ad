import time
from collections import Counter
from datetime import datetime, timedelta
import jobs

def test_profile(app, world, wechat_api):
    jobs.run_once(datetime(2026, 9, 21, 8), raise_errors=True)
    t = datetime(2026, 9, 21, 8)
    cost = Counter()
    for i in range(200):
        t += timedelta(minutes=30)
        for job in jobs.JOBS:
            s = time.perf_counter(); job.func(t); cost[job.name] += time.perf_counter() - s
    for k, v in cost.most_common(): print(k, round(v / 200 * 1000, 2), "ms")
