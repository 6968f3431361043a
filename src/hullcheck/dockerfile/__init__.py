"""Dockerfile parsing only: directives, instructions with line spans, RUN shell, history."""
