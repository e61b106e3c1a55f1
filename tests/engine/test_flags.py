"""Flag resolution: the environment override wins, then LaunchDarkly, then off."""

import pytest
from ldclient.integrations.test_data import TestData

from planning_engine.flags import (
    FLAG_KEY,
    EnvironmentFlag,
    FlagOff,
    LaunchDarklyFlag,
    flag_from_environment,
)


@pytest.mark.parametrize(
    ("raw", "enabled"),
    [("true", True), ("1", True), ("TRUE", True), ("false", False), ("0", False), ("yes", False)],
)
def test_environment_values(raw: str, enabled: bool) -> None:
    assert EnvironmentFlag(raw).scoring_enabled("anyone") is enabled


def test_override_wins_over_launchdarkly(monkeypatch) -> None:
    monkeypatch.setenv("FEATURE_V1_PLANNING_SCORING", "false")
    monkeypatch.setenv("LAUNCHDARKLY_SDK_KEY", "sdk-not-used")
    assert isinstance(flag_from_environment(), EnvironmentFlag)


def test_nothing_configured_is_off(monkeypatch) -> None:
    monkeypatch.delenv("FEATURE_V1_PLANNING_SCORING", raising=False)
    monkeypatch.delenv("LAUNCHDARKLY_SDK_KEY", raising=False)
    flag = flag_from_environment()
    assert isinstance(flag, FlagOff) and flag.scoring_enabled("u") is False


def test_launchdarkly_evaluates_per_user_offline() -> None:
    """The SDK's own test data source stands in for LaunchDarkly's network."""
    data = TestData.data_source()
    data.update(
        data.flag(FLAG_KEY)
        .boolean_flag()
        .variation_for_user("beta-user", True)
        .fallthrough_variation(False)
    )
    flag = LaunchDarklyFlag("sdk-offline-test", update_processor_class=data)
    try:
        assert flag.scoring_enabled("beta-user") is True
        assert flag.scoring_enabled("everyone-else") is False
        data.update(data.flag(FLAG_KEY).variation_for_all(True))
        assert (
            flag.scoring_enabled("everyone-else") is True
        )  # evaluated per job: a change applies at once
    finally:
        flag.close()
