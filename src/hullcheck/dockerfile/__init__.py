"""Dockerfile parsing only: directives, instructions with line spans, stages, RUN shell.

``parse(text, path)`` returns a ``Dockerfile``; see ``docs/writing-rules.md``.
"""

from hullcheck.dockerfile.model import Comment, Dockerfile, Heredoc, Instruction, Stage
from hullcheck.dockerfile.parser import parse
from hullcheck.dockerfile.shell import Command, Pipeline, Script

__all__ = [
    "Command",
    "Comment",
    "Dockerfile",
    "Heredoc",
    "Instruction",
    "Pipeline",
    "Script",
    "Stage",
    "parse",
]
