"""The unit assessment (考核): units ranked by a weighted score of their rates, with
the weights the office keeps (points out of 100, stored in `assessment_weight`).

A unit's score is the weighted mean of the rates it has (a rate with nothing to
divide by — no item rated, say — is left out and the rest carry its weight), on a
scale of 100. The send-back and redo rates count the other way round: fewer is better.
"""
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from models import AssessmentWeight, as_local
from pipeline.rules.actors import Actor
from pipeline.rules.core import transaction
from pipeline.rules.errors import Invalid
from pipeline.rules.permissions import require
from pipeline.views.stats import RATE_LABELS, stats

DEFAULT_WEIGHTS = {
    "response_rate": 10,
    "on_time_rate": 20,
    "resolution_rate": 15,
    "satisfaction_rate": 25,
    "org_satisfaction_rate": 10,
    "supervisor_satisfaction_rate": 10,
    "return_rate": 5,
    "redo_rate": 5,
}
LOWER_IS_BETTER = frozenset({"return_rate", "redo_rate"})
TOTAL = 100


def weights() -> dict[str, int]:
    """The weights in force: the office's, else the defaults (every metric, in order)."""
    stored = {row.metric: row.weight for row in AssessmentWeight.select()}
    return {metric: stored.get(metric, default) for metric, default in DEFAULT_WEIGHTS.items()}


def set_weights(actor: Actor, values: Mapping[str, object], now: datetime | None = None) -> dict[str, int]:
    """The office sets the assessment's weights: a whole number 0–100 for every rate,
    summing to 100. Bad input changes nothing."""
    now = as_local(now)
    require("assessment.weights", actor)
    chosen: dict[str, int] = {}
    for metric in DEFAULT_WEIGHTS:
        value = values.get(metric)
        text = str(value).strip() if value is not None else ""
        if not text.isdigit() or int(text) > TOTAL:
            raise Invalid(f"“{RATE_LABELS[metric]}”的权重应为0到100的整数", field=metric)
        chosen[metric] = int(text)
    if sum(chosen.values()) != TOTAL:
        raise Invalid(f"各项权重之和应为100，现为{sum(chosen.values())}", field="weights")
    with transaction():
        AssessmentWeight.delete().execute()
        AssessmentWeight.insert_many([{"metric": metric, "weight": weight, "updated_by": actor.staff,
                                       "updated_at": now} for metric, weight in chosen.items()]).execute()
    return chosen


def score(row: Mapping[str, Any], chosen: Mapping[str, int]) -> float | None:
    """A row's weighted score out of 100, over the rates it has; None if it has none."""
    points = weight = 0.0
    for metric, share in chosen.items():
        value = row.get(metric)
        if value is None or share == 0:
            continue
        points += share * ((1 - value) if metric in LOWER_IS_BETTER else value)
        weight += share
    return round(points / weight * 100, 1) if weight else None


def assessment(start: str | None = None, end: str | None = None, now: datetime | None = None,
               office: int | None = None) -> dict[str, Any]:
    """The assessment table for a period: every unit with items, best score first, with
    its rates, overdue count and rank; and the weights and their labels. `office`: one
    street office's units (`stats`)."""
    figures = stats(start, end, now, office)
    chosen = weights()
    units = [dict(row, score=score(row, chosen)) for row in figures["by_unit"] if row["key"] is not None]
    units.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), -r["total"], r["name"]))
    for rank, row in enumerate(units, 1):
        row["rank"] = rank
    return {"from": figures["from"], "to": figures["to"], "office": office, "units": units, "weights": chosen,
            "labels": {metric: RATE_LABELS[metric] for metric in chosen}, "lower_is_better": sorted(LOWER_IS_BETTER)}
