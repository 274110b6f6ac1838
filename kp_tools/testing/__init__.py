"""A deterministic "model" for demos and notebooks: it reads tool results and picks the next call.

:class:`Planner` is framework-free; :mod:`kp_tools.testing.langchain` and
:mod:`kp_tools.testing.llamaindex` wrap it as a chat model / LLM with tool calling, so an agent
loop runs end to end with no network and no API key.
It reacts only to what a real model would read (each tool result's JSON), so a tool that answered
wrongly makes it go wrong too. Swap it for a real model and nothing else changes.
"""

from kp_tools.testing.planner import Answer, Call, Planner, Step

__all__ = ["Answer", "Call", "Planner", "Step"]
