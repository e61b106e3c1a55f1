"""Before against after, as a canary judge does: a test of significance, and a tolerance that
says how much worse is worse. Rates are compared with Fisher's exact test of two proportions,
latencies with the Mann-Whitney U test (both one-sided, from SciPy).

Too little traffic on either side is "not compared", with the counts: never a guess, and never
a reason to withhold GO (a fresh staging has no baseline).
"""

import statistics
from dataclasses import dataclass
from typing import Literal

from scipy.stats import fisher_exact, mannwhitneyu

NOT_COMPARED = "not compared"
WORSE = "worse"
NOT_WORSE = "not worse"


@dataclass(frozen=True)
class Tolerances:
    min_jobs: int = 20  # on each side, for a comparison to be made
    significance: float = 0.05  # p below it: the difference is not chance
    rate: float = 0.02  # a rate may worsen by this much (absolute, 0.02 = 2 points)
    latency: float = 0.25  # the median latency may grow by this share


@dataclass(frozen=True)
class Comparison:
    measure: str  # "failure rate of plan jobs"
    outcome: str  # WORSE | NOT_WORSE | NOT_COMPARED
    before: str  # the figure as shown: "1 of 100 (1.0%)"
    after: str
    before_value: float | None
    after_value: float | None
    test: str
    p_value: float | None = None
    reason: str = ""  # why it was not compared

    def summary(self) -> str:
        if self.outcome == NOT_COMPARED:
            return f"{self.measure}: {NOT_COMPARED}: {self.reason}"
        p = f"p = {self.p_value:.3g}" if self.p_value is not None else ""
        return (
            f"{self.measure}: {self.before} before the deploy, {self.after} since "
            f"({self.test}, {p})"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "measure": self.measure,
            "outcome": self.outcome,
            "before": self.before,
            "after": self.after,
            "before_value": self.before_value,
            "after_value": self.after_value,
            "test": self.test,
            "p_value": self.p_value,
            "reason": self.reason,
        }


def _too_few(measure: str, before: int, after: int, unit: str, need: int) -> str | None:
    if before < need:
        return f"{before} {unit} before the deploy, at least {need} needed"
    if after < need:
        return f"{after} {unit} since the deploy, at least {need} needed"
    return None


def _rate_text(hits: int, total: int) -> str:
    return f"{hits} of {total} ({hits / total:.1%})" if total else f"{hits} of 0"


def compare_rates(
    measure: str,
    before: tuple[int, int],
    after: tuple[int, int],
    worse_when: Literal["higher", "lower"],
    tolerances: Tolerances,
    unit: str = "finished jobs",
) -> Comparison:
    """`before` and `after` are (hits, total). Worse: significantly higher (or lower) beyond
    the tolerance."""
    (hits_b, n_b), (hits_a, n_a) = before, after
    rate_b = hits_b / n_b if n_b else None
    rate_a = hits_a / n_a if n_a else None
    shown = _rate_text(hits_b, n_b), _rate_text(hits_a, n_a)
    test = f"Fisher's exact test of two proportions, one-sided ({worse_when} is worse)"
    too_few = _too_few(measure, n_b, n_a, unit, tolerances.min_jobs)
    if too_few or rate_a is None or rate_b is None:
        return Comparison(measure, NOT_COMPARED, *shown, rate_b, rate_a, test, reason=too_few or "")
    table = [[hits_a, n_a - hits_a], [hits_b, n_b - hits_b]]
    alternative = "greater" if worse_when == "higher" else "less"
    p_value = float(fisher_exact(table, alternative=alternative).pvalue)
    change = rate_a - rate_b if worse_when == "higher" else rate_b - rate_a
    worse = p_value < tolerances.significance and change > tolerances.rate
    return Comparison(measure, WORSE if worse else NOT_WORSE, *shown, rate_b, rate_a, test, p_value)


def compare_latencies(
    measure: str, before: list[float], after: list[float], tolerances: Tolerances
) -> Comparison:
    """Worse: after significantly slower (Mann-Whitney U) and its median beyond the tolerance."""
    test = "Mann-Whitney U test, one-sided (slower is worse)"
    median_b = statistics.median(before) if before else None
    median_a = statistics.median(after) if after else None
    shown = (
        f"median {median_b:.2f} s over {len(before)} jobs" if median_b is not None else "no jobs",
        f"median {median_a:.2f} s over {len(after)} jobs" if median_a is not None else "no jobs",
    )
    too_few = _too_few(measure, len(before), len(after), "completed jobs", tolerances.min_jobs)
    if too_few or median_a is None or median_b is None:
        return Comparison(
            measure, NOT_COMPARED, *shown, median_b, median_a, test, reason=too_few or ""
        )
    p_value = float(mannwhitneyu(after, before, alternative="greater").pvalue)
    slower = median_a > median_b * (1 + tolerances.latency)
    worse = p_value < tolerances.significance and slower
    return Comparison(
        measure, WORSE if worse else NOT_WORSE, *shown, median_b, median_a, test, p_value
    )
