"""``kp-tools doctor``: what to run when something does not work, one line per check.

Each line passes, warns or fails and says what to do. The checks go from the inside out, one
module per layer: this Python and the installed extras (:mod:`.environment`, from package
metadata, without importing any framework), which key the toolkit would use (:mod:`.keys`, its
prefix only), the route to ``KGP_BASE_URL`` (:mod:`.route`: the URL, proxy variables, DNS; then
:mod:`.connection`: the connection and TLS), then each read-only endpoint kp-tools relies on
(:mod:`.api`): answered through :class:`~kp_tools.client.KPainterClient` (what agents get) and
fetched raw (:mod:`.fetch`), so the JSON can be held against :mod:`kp_tools.models` field by field
(:mod:`.shapes`). An API that answers but lacks ``/me`` or ``/catalog`` is named for what it most
likely is: a different generation of the KPainter API (:mod:`.generation`). :mod:`.diagnose` runs
them in order, :mod:`.checks` holds the lines and renders them, :mod:`.command` is the command.

Nothing here spends credits: every request is a GET.
"""

from kp_tools.cli.doctor.checks import Check, Report, Status
from kp_tools.cli.doctor.command import doctor
from kp_tools.cli.doctor.diagnose import diagnose

__all__ = ["Check", "Report", "Status", "diagnose", "doctor"]
