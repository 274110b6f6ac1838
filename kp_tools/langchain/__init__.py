"""KPainter tools for LangChain (``pip install kp-tools[langchain]``).

    from kp_tools.langchain import KPainterToolkit, kp_config

    toolkit = KPainterToolkit.for_sandbox()
    tools = toolkit.get_tools()
    agent.invoke(inputs, config=kp_config("kgp_sandbox_member"))

docs/langchain.md has the quickstart and the per-call key story.
"""

from kp_tools.langchain.config import API_KEY_CONFIG_KEY, kp_config
from kp_tools.langchain.progress import PROGRESS_EVENT
from kp_tools.langchain.tool import KPainterTool, KPainterToolError, render_tool_error
from kp_tools.langchain.toolkit import KPainterToolkit

__all__ = [
    "API_KEY_CONFIG_KEY",
    "PROGRESS_EVENT",
    "KPainterTool",
    "KPainterToolError",
    "KPainterToolkit",
    "kp_config",
    "render_tool_error",
]
