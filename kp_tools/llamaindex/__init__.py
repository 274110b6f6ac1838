"""KPainter tools for LlamaIndex (``pip install kp-tools[llamaindex]``).

    from kp_tools.llamaindex import KPainterToolSpec

    tools = KPainterToolSpec.for_sandbox(api_key="kgp_sandbox_member").to_tool_list()

docs/llamaindex.md has the quickstart and the per-call key story.
"""

from kp_tools.llamaindex.tool import KeySource, KPainterFunctionTool
from kp_tools.llamaindex.tool_spec import KPainterToolSpec
from kp_tools.llamaindex.workflow import JobProgress, SpendApprovalRequired

__all__ = [
    "JobProgress",
    "KPainterFunctionTool",
    "KPainterToolSpec",
    "KeySource",
    "SpendApprovalRequired",
]
