"""The reference engine's API as the tests call it: tokens, a plan request, waiting for a job."""

from support.known_secrets import JWT_SECRET


def bearer(user: str, secret: str = JWT_SECRET) -> dict[str, str]:
    from planning_engine.auth import mint_token

    return {"Authorization": f"Bearer {mint_token(user, secret)}"}


def plan_request(user: str = "test-user", **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "userId": user,
        "weeklyGoalDays": 4,
        "availabilityDays": 4,
        "goals": ["strength"],
        "experience": "intermediate",
    }
    body.update(changes)
    return body


def wait_for_job(
    url: str,
    job_id: str,
    headers: dict[str, str],
    within_s: float = 15.0,
    until: tuple[str, ...] = ("completed", "failed"),
) -> dict[str, object]:
    """Poll the job until it reaches a final status, with a deadline."""
    import time

    import httpx

    deadline = time.monotonic() + within_s
    while True:
        job = httpx.get(f"{url}/api/plans/jobs/{job_id}", headers=headers, timeout=5).json()
        if job.get("status") in until:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job.get('status')} after {within_s} s")
        time.sleep(0.02)
