"""Routing benchmark: time to suggest category and agency for one report with the full rule
set (goal: median ≤ 1 ms), beside the time to only normalise the same text (the baseline
measured in the same run), over the demo data's realistic texts.

    python -m benchmarks --routing
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from desktop.demo import demo_complaints  # noqa: E402
from posko.catalog import default_catalog  # noqa: E402
from posko.routing import default_router  # noqa: E402


def run(quick: bool = False) -> dict[str, Any]:
    count = 500 if quick else 3000
    texts = [
        f"{item.title}. {item.description}"
        for item, _created in demo_complaints(count, 11, datetime.now(UTC), default_catalog())
    ]
    router = default_router()
    router.route("pemanasan")  # load rules and caches outside the timing
    route_times, normalise_times = [], []
    for text in texts:
        start = time.perf_counter()
        router.forms(text)  # the normalisation route() does
        normalise_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        router.route(text)
        route_times.append(time.perf_counter() - start)
    route_ms = statistics.median(route_times) * 1000
    normalise_ms = statistics.median(normalise_times) * 1000
    return {
        "reports": count,
        "rule_terms": len(router.terms),
        "route_median_ms": round(route_ms, 3),
        "route_p99_ms": round(sorted(route_times)[int(len(route_times) * 0.99)] * 1000, 3),
        "normalise_only_median_ms": round(normalise_ms, 3),
        "ratio_to_normalising": round(route_ms / normalise_ms, 2),
        "goal": "median <= 1 ms",
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run("--quick" in sys.argv), indent=2))
