"""The runbook's key metrics, read where the deployment keeps them.

The reference engine exposes them on /metrics under the runbook's names. The athlete-ally
service exposes none of them (DEPLOYED_API_ATHLETE_ALLY.md §8): what the database holds is
computed from it (the movement count; failed imports where an import ledger exists); what it
holds nowhere is not verified, "not exposed by this deployment". A target is never failed for
a metric name it never promised.
"""

from dataclasses import dataclass

import pytest

from readiness.checks import fail
from readiness.evidence import Evidence
from readiness.fixes import Fix
from readiness.target.db_probe import DatabaseProbe

NOT_EXPOSED = "not exposed by this deployment"
IMPORT_LEDGER = "movement_import_runs"


@dataclass(frozen=True)
class Reading:
    value: float
    source: str


@dataclass
class KeyMetrics:
    samples: dict[str, float] | None  # /metrics, None when the target serves none
    database: DatabaseProbe
    evidence: Evidence
    api_down: str | None = None  # why the API does not answer at all, if it does not

    def published_movements(self) -> Reading:
        metric = 'planning_movement_library_movements{status="published"}'
        if (reading := self._metric(metric)) is not None:
            return reading
        count = self.database.run("count_movements", self.evidence).scalar()
        return self._computed(float(count), f"{metric} is {NOT_EXPOSED}: counted movement_library")

    def import_failures(self) -> Reading:
        metric = "planning_movement_import_failures"
        if (reading := self._metric(metric)) is not None:
            return reading
        if self.database.run("table_exists", self.evidence, (IMPORT_LEDGER,)).scalar() is None:
            pytest.skip(
                f"failed movement imports are {NOT_EXPOSED}: no {metric} metric and no import "
                "ledger in its database (the import CLI's `Errors: N` line is their only record)"
            )
        failed = self.database.run("count_failed_imports", self.evidence).scalar()
        return self._computed(float(failed), f"{metric} is {NOT_EXPOSED}: counted {IMPORT_LEDGER}")

    def scoring_errors(self) -> Reading:
        metric = "planning_scoring_errors_total"
        if (reading := self._metric(metric)) is not None:
            return reading
        if self.api_down:  # not "not exposed": nothing could be asked
            fail(self.api_down, Fix.API)
        pytest.skip(
            f"scoring calculation errors are {NOT_EXPOSED}: no {metric} metric (a scorer "
            "exception there fails its job, which the test plans' checks see)"
        )

    def _metric(self, name: str) -> Reading | None:
        if self.samples is None or name not in self.samples:
            return None
        return Reading(self.samples[name], f"/metrics {name}")

    def _computed(self, value: float, source: str) -> Reading:
        self.evidence.note("key metric computed from the database", source=source, value=value)
        return Reading(value, source)
