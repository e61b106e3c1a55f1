"""The sign-off report and CI artifacts: verdict, exit code, completeness under xdist, no secrets."""

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import psycopg
import pytest

from engine_sandbox.embedded_postgres import EmbeddedPostgres
from support.known_secrets import JWT_SECRET, STAGING_DB_PASSWORD, STAGING_LD_KEY
from support.staging import staging_settings
from support.suite_runner import SuiteRun, run_suite


def _secrets(env: dict[str, str]) -> list[str]:
    return [
        env["PLANNING_API_TOKEN"],
        env["PLANNING_API_TOKEN_2"],
        STAGING_DB_PASSWORD,
        JWT_SECRET,
        STAGING_LD_KEY,
    ]


def _artifacts(tmp_path: Path) -> dict[str, Path]:
    """Every file the run wrote under reports/, subfolders included, by its path there."""
    reports = tmp_path / "reports"
    return {str(p.relative_to(reports)): p for p in reports.rglob("*") if p.is_file()}


_DESCRIPTOR = {  # in-toto ResourceDescriptor: at least one of uri, digest, content
    "type": "object",
    "anyOf": [{"required": ["uri"]}, {"required": ["digest"]}, {"required": ["content"]}],
    "properties": {
        "name": {"type": "string"},
        "uri": {"type": "string", "minLength": 1},
        "digest": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {"type": "string", "pattern": "^[0-9a-f]+$"},
        },
        "annotations": {"type": "object"},
    },
}
_TESTS = {"type": "array", "items": {"type": "string"}, "uniqueItems": True}
# in-toto Statement v1 with the test-result v0.1 predicate, as the two specifications define them.
IN_TOTO_TEST_RESULT = {
    "type": "object",
    "required": ["_type", "subject", "predicateType", "predicate"],
    "properties": {
        "_type": {"const": "https://in-toto.io/Statement/v1"},
        "subject": {
            "type": "array",
            "minItems": 1,
            "items": {**_DESCRIPTOR, "required": ["name", "digest"]},
        },
        "predicateType": {"const": "https://in-toto.io/attestation/test-result/v0.1"},
        "predicate": {
            "type": "object",
            "required": ["result", "configuration"],
            "properties": {
                "result": {"enum": ["PASSED", "WARNED", "FAILED"]},
                "configuration": {"type": "array", "items": _DESCRIPTOR},
                "url": {"type": "string"},
                "passedTests": _TESTS,
                "warnedTests": _TESTS,
                "failedTests": _TESTS,
            },
        },
    },
}


def _statement(files: dict[str, Path]) -> dict:
    statement = json.loads(files["verdict.json"].read_text())
    jsonschema.validate(statement, IN_TOTO_TEST_RESULT)
    return statement


def test_go_writes_every_artifact_without_secrets_under_xdist(
    staging_env: dict[str, str], tmp_path: Path
) -> None:
    env, secrets = staging_env, _secrets(staging_env)
    run = run_suite(tmp_path, env, "-n", "2")
    assert run.exit_code == 0, run.output[-3000:]
    files = _artifacts(tmp_path)
    assert {"signoff.html", "junit.xml", "cucumber.json", "verdict.json", "announcement.md"} <= set(
        files
    )
    statement = _statement(files)
    predicate = statement["predicate"]
    named = predicate["passedTests"] + predicate["warnedTests"] + predicate["failedTests"]
    assert len(set(named)) == len(run.outcomes)  # every scenario, each by a name of its own
    assert statement["predicateType"] == "https://in-toto.io/attestation/test-result/v0.1"
    assert (
        statement["predicate"]["result"] == "PASSED" and statement["predicate"]["verdict"] == "GO"
    )
    # The drills a staging skips inform: a GO page shows no warning for them.
    page = files["signoff.html"].read_text()
    assert "NOT VERIFIED" not in page and "INFORMATIVE, NOT RUN" in page
    # Every plan's score is written out under the chart: no hover needed on a touch screen.
    assert re.search(r"in the order generated: 1: 0\.\d{3} · 2: 0\.\d{3}", page)
    assert statement["predicate"]["target"]["target_mode"] == "staging"
    features = json.loads(files["cucumber.json"].read_text())
    scenarios = [s for f in features for s in f["elements"]]
    assert len(scenarios) == len(run.outcomes), (
        "cucumber.json must hold every scenario, also under -n 2"
    )
    assert len({s["id"] for s in scenarios}) == len(scenarios), "cucumber ids must be unique"
    assert [f["uri"] for f in features] == sorted(f["uri"] for f in features)
    for feature in features:  # in the file's order, not the order the xdist workers finished in
        lines = [s["line"] for s in feature["elements"]]
        assert lines == sorted(lines), feature["uri"]
    assert all(
        step["result"]["status"] in ("passed", "skipped", "failed")
        for s in scenarios
        for step in s["steps"]
    )
    announcement = files["announcement.md"].read_text()
    assert "Movement library seeded (8 foundational movements)" in announcement
    assert "Plan quality scoring enabled (fixed-weight-v1)" in announcement
    assert "Questions? Contact: " in announcement
    for path in files.values():
        text = path.read_text(encoding="utf-8", errors="replace")
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {path.name}"
    assert not any(secret in run.output for secret in secrets)


@pytest.fixture(scope="module")
def no_go(
    tmp_path_factory: pytest.TempPathFactory, postgres: EmbeddedPostgres
) -> Iterator[tuple[SuiteRun, dict[str, Path], list[str]]]:
    """A NO-GO run on a staging with one movement left a draft: its output, artifacts and the
    secrets that must not be in them. Shared by the report's tests, which only read it."""
    from planning_engine.seeding import seed_foundational
    from readiness.target.engine_process import EngineProcess

    tmp_path = tmp_path_factory.mktemp("no-go")
    dsn = postgres.create_database("nogo")
    with psycopg.connect(dsn) as conn:
        seed_foundational(conn, actor="ops")
        conn.execute("UPDATE movement_library SET status = 'draft' WHERE movement_id = 'deadlift'")
    engine_env = {"PLANNING_JWT_SECRET": JWT_SECRET, "FEATURE_V1_PLANNING_SCORING": "true"}
    engine = EngineProcess(dsn, tmp_path / "engine.log", engine_env).start()
    try:
        env = staging_settings(engine, dsn)
        run = run_suite(tmp_path, env)
        yield run, _artifacts(tmp_path), _secrets(env)
    finally:
        engine.stop()
        postgres.drop_database(dsn)


def test_no_go_exits_1_and_shows_the_failed_step_with_its_evidence(
    no_go: tuple[SuiteRun, dict[str, Path], list[str]],
) -> None:
    run, files, secrets = no_go
    assert run.exit_code == 1
    assert "announcement.md" not in files
    statement = _statement(files)["predicate"]
    assert statement["verdict"] == "NO-GO" and statement["result"] == "FAILED"
    assert any("Every movement is published" in name for name in statement["failedTests"])
    for path in files.values():  # secrets stay out of the artifacts of a failing run too
        assert not any(secret in path.read_text(errors="replace") for secret in secrets), path.name
    assert not any(secret in run.output for secret in secrets), "a secret reached stdout"
    html = files["signoff.html"].read_text()
    assert "NO-GO" in html and "Runbook checklist" in html
    # Served whole: the failed scenario's finding, steps and evidence are in the HTML itself.
    blocks = re.findall(r'<details class="s5-details"[^>]*>.*?</details>', html, re.S)
    (failed,) = [b for b in blocks if "Every movement is published" in b.split("</summary>")[0]]
    assert failed.split(">", 1)[0].endswith(" open"), "a failed scenario's details are open"
    message = failed.index("expected published = 8: re-seed with <code>planning-engine seed</code>")
    assert message < failed.index("s5-steps"), "the finding comes before the steps"
    assert "GROUP BY status" in failed  # its evidence: the runbook's SQL and the rows it returned
    assert all(" open" not in b.split(">", 1)[0] for b in blocks if ">PASSED<" in b[:400])
    for target in re.findall(r'<div id="causes">.*?</div>', html, re.S)[0].split('href="#')[1:]:
        assert f'id="{target.split(chr(34))[0]}"' in html, "a cause links to no scenario"


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("script", ["on", "off"])
def test_the_page_reads_on_any_screen_with_or_without_script(
    no_go: tuple[SuiteRun, dict[str, Path], list[str]], width: int, script: str
) -> None:
    """In Chromium, as a phone and a laptop show it, with pytest-html's script and without:
    nothing wider than the screen, and axe-core (WCAG 2 A/AA rules) finds nothing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip(
            "Debian's chromium is not installed (.ci/run installs it): the browser check needs it"
        )
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    page_file = no_go[1]["signoff.html"]
    if script == "off":  # the page as served, no script run: what a script-less reader gets
        served = page_file.with_name("signoff-no-script.html")
        served.write_text(
            re.sub(r"<script\b.*?</script>", "", page_file.read_text(), flags=re.S),
            encoding="utf-8",
        )
        page_file = served
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(page_file.as_uri())
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            assert page.get_by_text("NO-GO", exact=True).first.is_visible()
            opened = page.locator("details.s5-details[open] > summary").all_inner_texts()
            assert any("Every movement is published" in summary for summary in opened)
            if script == "on":  # pytest-html's rows, each linking to its scenario's details
                links = page.locator("#results-table a[href^='#s5-']")
                assert links.count() >= 50
                anchor = links.first.get_attribute("href") or ""
                assert page.locator(anchor).count() == 1
            violations = Axe().run(page).response["violations"]
        finally:
            browser.close()
    assert violations == [], [(v["id"], v["nodes"][0]["target"]) for v in violations]


def test_incomplete_fails_the_gate_unless_allowed(
    staging_env: dict[str, str], tmp_path: Path
) -> None:
    env = staging_env
    strict = run_suite(tmp_path / "strict", env, "-m", "phase1")
    assert strict.exit_code == 1
    assert "Readiness verdict: INCOMPLETE" in strict.output
    lenient = run_suite(tmp_path / "lenient", env, "-m", "phase1", "--allow-incomplete")
    assert lenient.exit_code == 0
