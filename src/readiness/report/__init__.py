"""The sign-off: each scenario's record, the verdict against the feature files and the runbook checklist, and the reports (page, junit.xml, cucumber.json, verdict.json, announcement)."""
