"""Evidence a scenario gathers: the SQL it ran and the rows it saw, the HTTP exchanges, findings.

Steps record into the current scenario's `Evidence`; the report plugin renders it. Nothing
recorded here may contain a secret: request headers are never stored, and DSNs are masked.
"""

from dataclasses import dataclass, field
from typing import Any

from planning_engine.dsn import mask_dsn


@dataclass
class Item:
    kind: str  # "sql" | "http" | "note" | "findings"
    title: str
    data: dict[str, Any]


@dataclass
class Evidence:
    items: list[Item] = field(default_factory=list)

    def sql(
        self,
        query: str,
        columns: list[str],
        rows: list[tuple[Any, ...]],
        duration_ms: float,
        target: str,
        runbook_sql: str | None = None,
        profile: str = "",
    ) -> None:
        """`query` is the SQL run; `runbook_sql` the runbook's, as written, when the query is the
        runbook's (the two differ where the schema profile rewrites it)."""
        self.items.append(
            Item(
                "sql",
                f"SQL on {mask_dsn(target)} ({duration_ms:.1f} ms)",
                {
                    "query": query,
                    "runbook_sql": runbook_sql,
                    "profile": profile,
                    "columns": columns,
                    "rows": [list(r) for r in rows[:50]],
                    "row_count": len(rows),
                    "duration_ms": duration_ms,
                },
            )
        )

    def http(
        self,
        method: str,
        url: str,
        status: int | None,
        request_body: Any,
        response_body: Any,
        duration_ms: float,
    ) -> None:
        self.items.append(
            Item(
                "http",
                f"{method} {url} -> {status} ({duration_ms:.0f} ms)",
                {
                    "method": method,
                    "url": url,
                    "status": status,
                    "request": request_body,
                    "response": response_body,
                    "duration_ms": duration_ms,
                },
            )
        )

    def note(self, title: str, **data: Any) -> None:
        self.items.append(Item("note", title, data))

    def plan(self, job_id: str, total: float | None, seconds: float | None) -> None:
        """A generated test plan, for the report's chart of scores and completion times."""
        self.items.append(
            Item(
                "plan",
                f"test plan {job_id}",
                {"job_id": job_id, "total": total, "seconds": seconds},
            )
        )

    def findings(self, title: str, errors: list[str], warnings: list[str]) -> None:
        self.items.append(Item("findings", title, {"errors": errors, "warnings": warnings}))

    def as_text(self) -> str:
        lines = []
        for item in self.items:
            lines.append(f"- {item.title}")
            if item.kind == "sql":
                runbook_sql = item.data.get("runbook_sql")
                if runbook_sql and runbook_sql != item.data["query"]:
                    lines.append("    runbook's SQL, as written: " + " ".join(runbook_sql.split()))
                    lines.append(f"    run instead ({item.data.get('profile')} schema):")
                lines.append("    " + " ".join(item.data["query"].split()))
                lines.append(f"    columns: {item.data['columns']}")
                lines.extend(f"    {row}" for row in item.data["rows"][:10])
            elif item.kind == "findings":
                lines.extend(f"    error: {e}" for e in item.data["errors"])
                lines.extend(f"    warning: {w}" for w in item.data["warnings"])
            elif item.kind == "note":
                lines.extend(f"    {k}: {v}" for k, v in item.data.items())
        return "\n".join(lines)
