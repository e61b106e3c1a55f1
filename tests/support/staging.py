"""A staging made of a test's database and engine, as the suite's settings name it."""

from support.known_secrets import JWT_SECRET, STAGING_DB_PASSWORD, STAGING_LD_KEY


def staging_settings(engine, dsn: str) -> dict[str, str]:
    """The suite's settings for a staging made of `dsn` and `engine`, with known secret values so
    tests can prove they never leak."""
    from psycopg.conninfo import make_conninfo

    from planning_engine.auth import mint_token

    return {
        "PLANNING_API_URL": engine.url,
        # The embedded server trusts local users: a password in the DSN is accepted and ignored,
        # which is enough to prove it never reaches a report.
        "PLANNING_DATABASE_URL": make_conninfo(dsn, password=STAGING_DB_PASSWORD),
        "PLANNING_API_TOKEN": mint_token("qa-user", JWT_SECRET),
        "PLANNING_API_TOKEN_2": mint_token("qa-other-user", JWT_SECRET),
        "PLANNING_ENGINE_LOG_FILE": str(engine.log_file),
        "PLANNING_JWT_SECRET": JWT_SECRET,
        "LAUNCHDARKLY_SDK_KEY": STAGING_LD_KEY,
    }
