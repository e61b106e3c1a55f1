"""Errors people will hit, each carrying the runbook's fix so no one is left with a traceback."""


class EngineError(Exception):
    """A failure with a one-line cause and the action that fixes it."""

    def __init__(self, cause: str, fix: str = "") -> None:
        super().__init__(cause)
        self.cause = cause
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.cause}: {self.fix}" if self.fix else self.cause


class ConfigurationError(EngineError):
    """A missing or malformed setting (DSN, secret, flag value)."""


class DatabaseUnavailable(EngineError):
    """Postgres cannot be reached, refuses the credentials or lacks the database."""


class SchemaMissing(EngineError):
    """The tables the runbook names are not there yet."""


class InvalidInput(EngineError):
    """A file or payload that cannot be accepted. `problems` lists the findings shown (the first
    ones, when there are very many); `count` is how many there are in all."""

    def __init__(
        self, cause: str, problems: list[str] | None = None, fix: str = "", count: int | None = None
    ) -> None:
        super().__init__(cause, fix)
        self.problems = problems or []
        self.count = count if count is not None else (len(self.problems) or 1)
