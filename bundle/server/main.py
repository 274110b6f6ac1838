"""Claude Desktop bundle entry point: start ``kp-mcp`` with the settings the user chose.

The bundle's manifest runs this file with ``uvx --from 'kp-tools[mcp]==<version>' python``, so
kp-tools comes from the package index. Claude Desktop hands every setting over as a string
(a boolean arrives as ``"true"`` or ``"false"``), while kp-mcp takes the sandbox as a flag; this
file turns one into the other and then runs kp-mcp's own entry point in this process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

#: Set by the manifest from the bundle's "sandbox" setting.
SANDBOX = "KP_BUNDLE_SANDBOX"
#: Set by the manifest from the bundle's "api_key" setting (kp-tools reads it).
KEY = "KGP_API_KEY"


def kp_mcp_argv(environ: MutableMapping[str, str]) -> list[str]:
    """kp-mcp's command line for these settings; with the sandbox on, the user's key is dropped.

    The sandbox accepts only its own seeded keys, so a real key kept in the settings would make
    every call fail there; it is never needed (or sent) in sandbox mode.
    """
    sandbox = environ.pop(SANDBOX, "").strip().lower() == "true"
    if not sandbox:
        return ["kp-mcp"]
    environ.pop(KEY, None)
    return ["kp-mcp", "--sandbox"]


if __name__ == "__main__":
    sys.argv = kp_mcp_argv(os.environ)
    from kp_tools.mcp.cli import main

    main()
