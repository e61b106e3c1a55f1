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
