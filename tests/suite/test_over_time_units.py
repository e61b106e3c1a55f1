"""The pieces the before/after criteria, the history and the watch are built of, on their own:
the tests of significance, the deploy time's sources, the history file, the regression and
alert rules, the trend page. No Postgres, no server."""

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from readiness.history.regression import compared
from readiness.history.store import GO, ROUND, RUN, Entry, History, HistoryFileError
from readiness.since_deploy.comparison import (
    NOT_COMPARED,
    NOT_WORSE,
    WORSE,
    Tolerances,
    compare_latencies,
    compare_rates,
)
from readiness.since_deploy.deploy_time import (
    GIVEN,
    RUN_START,
    parse_deployed_at,
    resolve,
)
from readiness.since_deploy.job_windows import JobRow, Window, distribution
from readiness.target.engine_log import EngineLog
from readiness.watch.alerts import evaluate
from readiness.watch.trend_page import render

TOLERANCES = Tolerances()
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


class TestRates:
    def test_one_to_ten_percent_is_worse_with_its_figures_and_p_value(self) -> None:
        result = compare_rates("failure rate", (1, 100), (10, 100), "higher", TOLERANCES)
        assert result.outcome == WORSE
        assert result.p_value is not None and result.p_value < 0.01
        assert "1 of 100 (1.0%)" in result.summary() and "10 of 100 (10.0%)" in result.summary()

    def test_a_drop_is_not_worse(self) -> None:
        result = compare_rates("failure rate", (10, 100), (1, 100), "higher", TOLERANCES)
        assert result.outcome == NOT_WORSE

    def test_a_significant_rise_within_the_tolerance_is_not_worse(self) -> None:
        loose = Tolerances(rate=0.2)
        assert compare_rates("f", (1, 100), (10, 100), "higher", loose).outcome == NOT_WORSE

    def test_a_rise_that_may_be_chance_is_not_worse(self) -> None:
        assert compare_rates("f", (0, 20), (1, 20), "higher", TOLERANCES).outcome == NOT_WORSE

    def test_too_little_traffic_is_not_compared_with_the_counts(self) -> None:
        result = compare_rates("f", (3, 5), (10, 100), "higher", TOLERANCES)
        assert result.outcome == NOT_COMPARED
        assert result.reason == "5 finished jobs before the deploy, at least 20 needed"

    def test_a_lower_share_is_worse_when_lower_is_worse(self) -> None:
        result = compare_rates("scored", (100, 100), (80, 100), "lower", TOLERANCES)
        assert result.outcome == WORSE


class TestLatencies:
    def test_doubled_is_worse(self) -> None:
        spread = random.Random(7)
        before = [2 + spread.random() for _ in range(50)]
        after = [4 + spread.random() for _ in range(50)]
        result = compare_latencies("latency", before, after, TOLERANCES)
        assert result.outcome == WORSE and "Mann-Whitney U" in result.test

    def test_the_same_distribution_is_not_worse(self) -> None:
        spread = random.Random(8)
        before = [2 + spread.random() for _ in range(50)]
        after = [2 + spread.random() for _ in range(50)]
        assert compare_latencies("latency", before, after, TOLERANCES).outcome == NOT_WORSE

    def test_no_baseline_is_not_compared(self) -> None:
        result = compare_latencies("latency", [], [1.0] * 30, TOLERANCES)
        assert result.outcome == NOT_COMPARED and "0 completed jobs before" in result.reason


class TestDeployTime:
    def test_a_given_time_wins(self) -> None:
        given = NOW - timedelta(hours=1)
        found = resolve(given, {"process_start_time_seconds": NOW.timestamp()}, None, NOW)
        assert (found.at, found.source) == (given, GIVEN)

    def test_the_engine_start_on_metrics(self) -> None:
        started = NOW - timedelta(minutes=5)
        found = resolve(None, {"process_start_time_seconds": started.timestamp()}, None, NOW)
        assert found.at == started and "process_start_time_seconds" in found.source

    def test_the_first_flag_line_of_the_log_takes_the_time_written_before_it(
        self, tmp_path: Path
    ) -> None:
        log = tmp_path / "engine.log"
        log.write_text(
            '{"level":30,"time":1796285207706,"msg":"connected"}\n'
            "{ flag: 'feature.v1_planning_scoring' } Feature flag override from environment\n"
            '{"level":30,"time":1796285299999,"msg":"later"}\n'
        )
        found = resolve(None, None, EngineLog(path=log), NOW)
        assert found.at == datetime.fromtimestamp(1796285207.706, UTC)
        assert "Feature flag override from environment" in found.source

    def test_an_engine_started_during_the_run_is_no_deploy(self) -> None:
        """Restarted mid-run: the run's own earlier plans must not become "before the deploy"."""
        restarted = NOW + timedelta(seconds=30)
        found = resolve(None, {"process_start_time_seconds": restarted.timestamp()}, None, NOW)
        assert found.at == NOW and "started during this run" in found.source

    def test_nothing_found_is_the_run_start_and_says_how_to_give_it(self) -> None:
        found = resolve(None, {}, None, NOW)
        assert (found.at, found.source) == (NOW, RUN_START)
        assert "--deployed-at" in found.source

    @pytest.mark.parametrize(
        ("raw", "problem"),
        [("yesterday", "is not an ISO 8601 time"), ("2999-01-01T00:00:00Z", "in the future")],
    )
    def test_an_unusable_time_says_why(self, raw: str, problem: str) -> None:
        with pytest.raises(ValueError, match=problem):
            parse_deployed_at(raw, NOW)

    def test_a_time_without_a_zone_is_utc(self) -> None:
        assert parse_deployed_at("2026-12-03T09:30:00", NOW) == NOW.replace(hour=9, minute=30)


def test_the_score_distribution_has_count_mean_and_quantiles() -> None:
    jobs = tuple(
        JobRow(str(n), 0.0, "completed", 1.0, n / 10, {"safety": 1.0}, "v", True) for n in range(11)
    )
    scores = Window("since", 0, 1, jobs).score_distribution()
    assert scores["total"] == {**distribution([n / 10 for n in range(11)])}
    assert (scores["total"]["count"], scores["total"]["q50"], scores["total"]["mean"]) == (
        11,
        0.5,
        0.5,
    )
    assert scores["safety"]["count"] == 11


class TestHistory:
    def test_appended_runs_come_back_oldest_first_and_the_last_go_is_found(
        self, tmp_path: Path
    ) -> None:
        history = History(tmp_path / "h" / "history.sqlite")
        for verdict in ("GO", "NO-GO", "GO", "NO-GO"):
            history.append(Entry(RUN, "t", NOW.isoformat(), verdict, measured={"v": verdict}))
        history.append(Entry(RUN, "other", NOW.isoformat(), "GO"))
        entries = history.entries("t")
        assert [e.verdict for e in entries] == ["GO", "NO-GO", "GO", "NO-GO"]
        last = history.last_go("t")
        assert last is not None and last.id == entries[2].id

    def test_an_incomplete_run_without_failures_is_a_baseline_and_one_with_failures_is_not(
        self, tmp_path: Path
    ) -> None:
        history = History(tmp_path / "history.sqlite")
        history.append(Entry(RUN, "t", "1", "INCOMPLETE", criteria={"a": "passed", "b": "skipped"}))
        history.append(Entry(RUN, "t", "2", "INCOMPLETE", criteria={"a": "failed"}))
        last = history.last_go("t")
        assert last is not None and last.started == "1"

    def test_a_file_that_is_no_history_is_said_in_one_line(self, tmp_path: Path) -> None:
        path = tmp_path / "history.sqlite"
        path.write_text("not a database")
        with pytest.raises(HistoryFileError, match="cannot be used"):
            History(path).append(Entry(RUN, "t", "1", GO))


def test_slower_beyond_tolerance_and_floor_is_a_regression() -> None:
    last = {"queries_ms": {"a": 10.0, "b": 0.1}, "jobs": {"since": {"latency": {"p50": 2.0}}}}
    now = {"queries_ms": {"a": 30.0, "b": 0.5}, "jobs": {"since": {"latency": {"p50": 2.2}}}}
    slower = compared(now, last, tolerance=0.5)
    assert [s.what for s in slower] == ["runbook query 'a'"]  # b: 5x, but 0.4 ms is noise
    assert "30.00 ms now, 10.00 ms at the last GO" in slower[0].line()


class TestAlerts:
    def test_a_movement_count_below_8_fires(self) -> None:
        fired = evaluate({"published_movements": 7.0}, None)
        assert [a.name for a in fired] == ["Movement count drops below 8"]

    def test_scoring_errors_fire(self) -> None:
        fired = evaluate({"published_movements": 8, "errors": {"scoring_errors": 2}}, None)
        assert [a.name for a in fired] == ["Scoring calculation errors > 0"]

    def test_failed_jobs_rising_between_rounds_fire_and_steady_ones_do_not(self) -> None:
        before = {"published_movements": 8, "errors": {"failed_jobs_since_deploy": 2}}
        same = {"published_movements": 8, "errors": {"failed_jobs_since_deploy": 2}}
        more = {"published_movements": 8, "errors": {"failed_jobs_since_deploy": 3}}
        assert evaluate(same, before) == []
        assert [a.name for a in evaluate(more, before)] == ["Plan generation errors increase"]
        assert evaluate(more, None) == []  # a first round has nothing to rise from


def test_the_trend_page_names_each_rounds_alert_and_writes_every_value() -> None:
    entries = [
        Entry(
            ROUND, "t", "2026-12-03T12:00:00", "OK", measured={"round": 1, "published_movements": 8}
        ),
        Entry(
            ROUND,
            "t",
            "2026-12-03T12:00:05",
            "ALERT",
            measured={
                "round": 2,
                "published_movements": 7,
                "alerts": ["Movement count drops below 8 (possible data loss): 7"],
            },
        ),
    ]
    page = render(entries, "t")
    table = page.split('id="trend-table"')[1]
    row = next(r for r in table.split("<tr>") if "round 2" in r)
    assert "ALERT" in row and "Movement count drops below 8" in row and "<td>7</td>" in row
    assert '<html lang="en">' in page and 'name="viewport"' in page
    assert json.dumps("round 1")[1:-1] in page
