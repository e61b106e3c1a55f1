"""What the suite's hooks and fixtures hand each other through pytest's stash: one place, so
that a plugin module reads a key without importing another plugin module."""

from typing import Any

import pytest

from readiness.budget import RunBudget
from readiness.config import SuiteConfig
from readiness.evidence import Evidence
from readiness.target.shared import SharedBoot

CONFIG_KEY = pytest.StashKey[SuiteConfig]()
# The athlete profiles of the run's selected scenarios, requested together (readiness.runbook.plans).
PROFILES_KEY = pytest.StashKey[list[dict[str, Any]]]()
# Whether the run will rehearse the scoring rollback drill (the one controlled scenario that is
# not a rehearsal on scratch data): its engine then starts while the target boots.
DRILL_KEY = pytest.StashKey[bool]()
BUDGET_KEY = pytest.StashKey[RunBudget]()
EVIDENCE_KEY = pytest.StashKey[Evidence]()
SECRETS_KEY = pytest.StashKey[list[str]]()
# Under pytest-xdist: the controller's shared embedded target, and what each worker is told of it.
SHARED_BOOT_KEY = pytest.StashKey[SharedBoot]()
WORKER_INPUT = "readiness_target"
