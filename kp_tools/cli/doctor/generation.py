"""The different-generation verdict, for an API that answers but not with kp-tools' endpoints.

Such an API is named for what it most likely is, instead of letting an agent fail on its first
call.
"""

from __future__ import annotations

from kp_tools import __version__
from kp_tools.api_contract import API_PREFIX, DEFAULT_BASE_URL, MAIN_SITE, PATHS
from kp_tools.cli.doctor.checks import Report
from kp_tools.cli.doctor.fetch import Answer
from kp_tools.client import ENV_BASE_URL

__all__ = ["generation_check"]


def generation_check(report: Report, base_url: str, health: Answer, *answers: Answer) -> None:
    """Missing core endpoints while others answer: most likely another API generation."""
    answered = [a.path.split("?")[0] for a in (health, *answers) if a.status not in (None, 404)]
    missing = [
        a.path for a in answers if a.status == 404 and a.path in (PATHS["me"], PATHS["catalog"])
    ]
    if not missing:
        report.add("api generation", "pass", "the endpoints kp-tools uses answer (Generation A)")
        return
    listed = ", ".join(missing)
    if not answered:
        report.add(
            "api generation",
            "fail",
            f"nothing kp-tools uses exists under {base_url} (404 for /health, {listed})",
            f"{ENV_BASE_URL} must be the API root, e.g. {DEFAULT_BASE_URL}.",
        )
        return
    report.add(
        "api generation",
        "fail",
        f"{base_url} answers {', '.join(answered)} but has no {listed} (404): this looks like a "
        f"different generation of the KPainter API than the one kp-tools {__version__} speaks "
        f"(Generation A: {API_PREFIX} with /me, /catalog, /creations). Agents would fail on "
        "their first call.",
        f"Check {ENV_BASE_URL}; if it is right, look for a kp-tools release for this API "
        f"(pip install -U kp-tools) or ask KPainter ({MAIN_SITE}) which base URL to use.",
    )
