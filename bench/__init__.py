"""Benchmarks: what kp-tools costs on top of the KPainter API and the MCP SDK, as ratios.

Run ``python -m bench`` (``make bench``); ``--quick`` for a short run, ``--only NAME`` for one
measurement. Each module measures one thing against its baseline in the same run, interleaved
(A, B, A, B) so that drift on the machine cancels out. Not part of the test suite.
"""
