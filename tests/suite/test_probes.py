"""The suite's probes meeting a target that is not what the runbook expects: each finding says
what is wrong and the fix, never a raw driver error."""

from collections.abc import Iterator

import pytest
from psycopg.conninfo import make_conninfo

from engine_sandbox.embedded_postgres import EmbeddedPostgres
from readiness.checks import ReadinessFailure
from readiness.schema_profiles import Query
from readiness.target.api_client import PlanningApi
from readiness.target.db_probe import DatabaseProbe
from support.local_http import answering


@pytest.fixture
def reader_without_grants(postgres: EmbeddedPostgres, dsn: str) -> Iterator[str]:
    """A login that may connect but was granted nothing on the Stream 5 tables."""
    with postgres.admin() as conn:
        conn.execute("CREATE ROLE no_grants LOGIN")
    yield make_conninfo(dsn, user="no_grants")
    with postgres.admin() as conn:
        conn.execute("DROP ROLE no_grants")


def test_missing_privileges_name_the_runbooks_permissions(reader_without_grants: str) -> None:
    with (
        DatabaseProbe(reader_without_grants) as probe,
        pytest.raises(
            ReadinessFailure, match=r"may not read this.*grant SELECT, INSERT, UPDATE, DELETE"
        ),
    ):
        probe.query(Query("ad hoc", "SELECT count(*) FROM movement_library;"))


def test_a_missing_column_points_to_migrate(dsn: str) -> None:
    with (
        DatabaseProbe(dsn) as probe,
        pytest.raises(ReadinessFailure, match=r"schema incomplete.*planning-engine migrate"),
    ):
        probe.query(Query("ad hoc", "SELECT no_such_column FROM movement_library;"))


def test_a_query_over_the_statement_timeout_is_a_performance_finding(dsn: str) -> None:
    with DatabaseProbe(dsn) as probe:
        probe.query(Query("ad hoc", "SET statement_timeout = 50;"))
        with pytest.raises(ReadinessFailure, match=r"ran longer than .*No performance regressions"):
            probe.query(Query("ad hoc", "SELECT pg_sleep(1);"))


@pytest.fixture
def html_metrics() -> Iterator[str]:
    """A /metrics behind a login page: 200, but HTML."""
    with answering(200, "text/html", b"<html><body><form>Sign in</form></body></html>") as url:
        yield url


def test_metrics_that_are_not_prometheus_text_count_as_unavailable(html_metrics: str) -> None:
    with PlanningApi(html_metrics, 5) as api:
        assert api.metrics(None) is None
