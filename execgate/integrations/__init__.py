"""Ready-made tools for agent hosts: an MCP server and adapters for agent frameworks.

Each submodule imports its framework (an optional extra) and is imported only by whoever uses
it: ``execgate.integrations.mcp``, ``.openai_agents``, ``.langchain``, ``.pydantic_ai``.
What they share — how a request is read from a model's arguments and how a result or a
refusal is told back to a model — lives in ``_text`` and is plain functions over values.
"""

from ._text import decision_fields

__all__ = ["decision_fields"]
