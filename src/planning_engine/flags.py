"""The `feature.v1_planning_scoring` flag: environment override, then LaunchDarkly, then off."""

import logging
import os
from typing import Any, Protocol

from planning_engine.logs import get_logger, log_event

FLAG_KEY = "feature.v1_planning_scoring"
ENV_OVERRIDE = "FEATURE_V1_PLANNING_SCORING"
SDK_KEY_VARIABLE = "LAUNCHDARKLY_SDK_KEY"
log = get_logger("flags")


class FlagSource(Protocol):
    def scoring_enabled(self, user_id: str) -> bool: ...

    def describe(self) -> str: ...

    def close(self) -> None: ...


class EnvironmentFlag:
    """`true`/`1` on, `false`/`0` off; anything else is a warning and off (SYSTEM.md)."""

    def __init__(self, raw: str) -> None:
        value = raw.strip().lower()
        self.enabled = value in ("true", "1")
        if value not in ("true", "1", "false", "0"):
            log_event(
                log,
                "Invalid feature flag override; scoring disabled",
                logging.WARNING,
                flag=FLAG_KEY,
                variable=ENV_OVERRIDE,
                value=raw,
            )
        log_event(
            log,
            "Feature flag override from environment",
            flag=FLAG_KEY,
            value=self.enabled,
            variable=ENV_OVERRIDE,
        )

    def scoring_enabled(self, user_id: str) -> bool:
        return self.enabled

    def describe(self) -> str:
        return f"environment ({ENV_OVERRIDE}={'on' if self.enabled else 'off'})"

    def close(self) -> None:
        pass


class LaunchDarklyFlag:
    """Evaluates the flag per user with the official server SDK."""

    def __init__(self, sdk_key: str, update_processor_class: Any = None) -> None:
        import ldclient
        from ldclient.config import Config

        options: dict[str, Any] = {"send_events": update_processor_class is None}
        if update_processor_class is not None:
            options["update_processor_class"] = update_processor_class
        self._client = ldclient.LDClient(Config(sdk_key, **options), start_wait=5)
        log_event(
            log,
            "Feature flag source: LaunchDarkly",
            flag=FLAG_KEY,
            initialized=self._client.is_initialized(),
        )

    def scoring_enabled(self, user_id: str) -> bool:
        from ldclient import Context

        value = self._client.variation(FLAG_KEY, Context.create(user_id), False)
        return value is True

    def describe(self) -> str:
        return "LaunchDarkly"

    def close(self) -> None:
        self._client.close()  # type: ignore[no-untyped-call]


class FlagOff:
    def scoring_enabled(self, user_id: str) -> bool:
        return False

    def describe(self) -> str:
        return "default (off: neither the override nor LaunchDarkly is configured)"

    def close(self) -> None:
        pass


def flag_from_environment() -> FlagSource:
    raw = os.environ.get(ENV_OVERRIDE)
    if raw is not None:
        return EnvironmentFlag(raw)
    sdk_key = os.environ.get(SDK_KEY_VARIABLE)
    if sdk_key:
        return LaunchDarklyFlag(sdk_key)
    log_event(log, "Feature flag off by default", flag=FLAG_KEY)
    return FlagOff()
