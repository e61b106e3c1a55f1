"""`stream5-readiness` speaks for itself: its own help and version, not pytest's."""

from importlib import metadata

import pytest

from readiness.run import main


def test_help_says_what_it_does_its_settings_exit_codes_and_reports(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for needed in (
        "GO, NO-GO or INCOMPLETE",
        "PLANNING_API_URL",
        "PLANNING_DATABASE_URL",
        "--max-duration",
        "exit codes: 0 GO",
        "1 NO-GO, or INCOMPLETE",
        "2 interrupted",
        "3 internal error",
        "4 configuration error",
        "5 no scenario selected",
        "--rehearsal",
        "signoff.html",
        "announcement.md (on a GO against a staging only)",
    ):
        assert needed in text
    assert len(text.splitlines()) < 60  # a page, not pytest's 500 lines


def test_version_is_the_suites(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == (
        f"stream5-readiness {metadata.version('stream5-readiness')}"
    )


def test_watch_without_a_staging_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("PLANNING_API_URL", "PLANNING_DATABASE_URL", "PLANNING_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["watch", "--every", "5", "--for", "15"]) == 4
    error = capsys.readouterr().err
    assert error.startswith("stream5-readiness watch: watch needs a staging: set PLANNING_API_URL")
    assert len(error.strip().splitlines()) == 1


@pytest.mark.parametrize("arguments", [["--every", "0"], ["--for", "-3"], ["--every", "soon"]])
def test_watch_refuses_an_unusable_schedule_with_exit_4(
    arguments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["watch", *arguments]) == 4
    error = capsys.readouterr().err
    assert error.startswith("stream5-readiness watch:") and len(error.splitlines()) == 1


def test_watch_help_names_its_schedule_alerts_and_exit_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["watch", "--help"])
    assert stopped.value.code == 0
    text = capsys.readouterr().out
    for needed in (
        "--every",
        "--for",
        "--plans",
        "--keep-going",
        "movement count below 8",
        "exit codes: 0 no alert fired, 1 an alert fired",
    ):
        assert needed in text


def test_alert_rules_is_a_command_of_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alert-rules", "--api-profile", "runbook"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Stream 5 staging alerts") and "groups:" in out
