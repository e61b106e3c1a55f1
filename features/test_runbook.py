"""Every scenario of the runbook's feature files, collected in the runbook's order.

One `scenarios()` call per file, in file-name order (00_prerequisites ... 90_troubleshooting):
given several files at once pytest-bdd orders them by feature title instead.
"""

from pathlib import Path

from pytest_bdd import scenarios

for feature_file in sorted(Path(__file__).parent.glob("*.feature")):
    scenarios(str(feature_file))
