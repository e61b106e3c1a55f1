"""/metrics of the athlete-ally API profile: the prom-client names that service exposes (§8 of
DEPLOYED_API_ATHLETE_ALLY.md), not the runbook's. None of the runbook's key metrics is among
them; plan generation errors show only as failed generation attempts."""

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

GENERATION = "plan_generation"


class DeployedMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.events_published = Counter(
            "planning_engine_events_published",
            "Events published",
            ["topic", "status"],
            registry=self.registry,
        )
        self.events_processed = Counter(
            "planning_engine_events_processed",
            "Event handler runs",
            ["topic", "status"],
            registry=self.registry,
        )
        self.operations = Counter(
            "planning_engine_concurrency_operations_completed",
            "Operations completed, one per plan generation attempt",
            ["operation", "status"],
            registry=self.registry,
        )
        self.max_concurrency = Gauge(
            "planning_engine_max_concurrency",
            "Concurrency limit",
            ["operation"],
            registry=self.registry,
        )
        self.max_concurrency.labels(operation="default").set(10)

    def attempt(self, succeeded: bool) -> None:
        self.operations.labels(
            operation=GENERATION, status="success" if succeeded else "error"
        ).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
