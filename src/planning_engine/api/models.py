"""The API's request and answer bodies, and the errors each route documents (OpenAPI)."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Goal = Literal[
    "strength",
    "power",
    "conditioning",
    "endurance",
    "hypertrophy",
    "mobility",
    "fat_loss",
    "general_fitness",
]


class GenerateRequest(BaseModel):
    """The runbook's request body. Fields it does not know are accepted and left out of the
    job (a client may send more than this engine uses); the user id may hold any character but
    NUL, which Postgres text cannot store."""

    model_config = ConfigDict(extra="ignore")

    userId: str = Field(min_length=1, max_length=128, pattern=r"^[^\x00]+$")
    weeklyGoalDays: int = Field(ge=1, le=7)
    availabilityDays: int = Field(ge=1, le=7)
    goals: list[Goal] = Field(min_length=1, max_length=8)
    experience: Literal["beginner", "intermediate", "advanced"]
    durationWeeks: int = Field(default=12, ge=1, le=52)
    selectedDaysPerWeek: int | None = Field(default=None, ge=1, le=7)

    @field_validator(
        "weeklyGoalDays", "availabilityDays", "durationWeeks", "selectedDaysPerWeek", mode="before"
    )
    @classmethod
    def _not_a_bool(cls, value: Any) -> Any:
        """JSON's true is not a count, though Python's bool is an int."""
        if isinstance(value, bool):
            raise ValueError("must be a whole number, not true/false")
        return value


class JobAccepted(BaseModel):
    jobId: str
    status: str


class JobView(BaseModel):
    jobId: str
    userId: str
    status: str
    progress: int
    resultData: dict[str, Any] | None
    errorData: dict[str, Any] | None
    createdAt: datetime
    startedAt: datetime | None
    completedAt: datetime | None
    retryCount: int
    maxRetries: int


class ErrorBody(BaseModel):
    error: str
    message: str
    fieldErrors: list[dict[str, str]] | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorBody,
        "description": "Malformed request: unparsable JSON, or a header that must be unique"
        " (Authorization, Idempotency-Key) sent twice",
    },
    401: {"model": ErrorBody, "description": "Missing or invalid bearer token"},
    403: {"model": ErrorBody, "description": "The token's user may not do this"},
    404: {"model": ErrorBody, "description": "No such job"},
    409: {"model": ErrorBody, "description": "Idempotency key reused with a different body"},
    413: {"model": ErrorBody, "description": "Body larger than PLANNING_MAX_BODY_BYTES"},
    422: {"model": ErrorBody, "description": "Invalid body: fieldErrors lists each field"},
    503: {"model": ErrorBody, "description": "Database unavailable or schema not applied"},
}
GENERATE_ERRORS: dict[int | str, dict[str, Any]] = {
    code: ERRORS[code] for code in (400, 401, 403, 409, 413, 422, 503)
}
JOB_ERRORS: dict[int | str, dict[str, Any]] = {
    code: ERRORS[code] for code in (400, 401, 403, 404, 503)
}
