"""The runbook's scoring rollback (Rollback: Scoring Feature), rehearsed on the drill's own
engine and scratch database, so that the target's engine is never restarted or waited for.

Flag on, a scored plan; restart with the flag off; a new plan has no scoring, the earlier one
keeps its own, and the runbook's rollback query shows both.
"""

from dataclasses import dataclass, field
from typing import Any

import psycopg

from planning_engine.seeding import seed_foundational
from readiness.config import SuiteConfig
from readiness.evidence import Evidence
from readiness.runbook.plan_queue import PlanQueue
from readiness.runbook.plans import PlanRequests, Progress
from readiness.target.api_client import PlanningApi
from readiness.target.db_probe import DatabaseProbe
from readiness.target.deployment import EmbeddedTarget
from readiness.target.engine_process import EngineProcess


@dataclass
class ScoringRollbackDrill:
    target: EmbeddedTarget
    config: SuiteConfig
    evidence: Evidence
    progress: Progress
    dsn: str = ""
    engine: EngineProcess | None = field(default=None, repr=False)

    def start_with_flag_on(self) -> None:
        """A seeded scratch database and an engine of the drill's own, scoring on: the one
        spawned when the target booted, else one started now."""
        spawned = self.target.take_drill_engine()
        if spawned is not None:
            self.dsn, self.engine = spawned
            return
        self.dsn = self.target.scratch_database(migrated=True)
        with psycopg.connect(self.dsn) as conn:
            seed_foundational(conn, actor="readiness-suite", profile=self.target.profile_name)
        self.engine = self.target.start_engine(self.dsn, FEATURE_V1_PLANNING_SCORING="true")

    def restart_with_flag_off(self) -> None:
        """Runbook steps 1 and 2: disable the flag, restart the service, as a rolling restart
        does it: the new process starts while the old one drains and stops. No job waits in
        between (the earlier plan is complete), so no job can be scored by the old process."""
        assert self.engine is not None, "start the drill first"
        old = self.engine
        self.engine = self.target.start_engine(
            self.dsn, wait=False, FEATURE_V1_PLANNING_SCORING="false"
        )
        old.stop()
        self.engine.await_health()
        self.evidence.note(
            "engine restarted", FEATURE_V1_PLANNING_SCORING="false", url=self.engine.url
        )

    def generate(self) -> dict[str, Any]:
        """A completed runbook test plan from the drill's engine."""
        with (
            self._api() as api,
            DatabaseProbe(self.dsn, schema_profile=self.target.profile_name) as probe,
        ):
            plans = PlanRequests(
                api, self.target, self.config, self.evidence, self.progress, PlanQueue(probe)
            )
            return plans.generate()

    def job(self, job_id: str) -> dict[str, Any]:
        with self._api() as api:
            return dict(api.job(job_id, self.target.token, self.evidence).json())

    def has_scoring_rows(self) -> list[bool]:
        """Runbook step 3: the rollback query's `has_scoring` column."""
        with DatabaseProbe(self.dsn, schema_profile=self.target.profile_name) as probe:
            return [row[0] for row in probe.run("rollback_scoring_check", self.evidence).rows]

    def _api(self) -> PlanningApi:
        assert self.engine is not None, "start the drill first"
        return PlanningApi(
            self.engine.url,
            self.config.http_timeout_s,
            probe_token=self.target.token,
            profile=self.target.api_profile,
        )
