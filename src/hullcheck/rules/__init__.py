"""Dockerfile rules: one module per rule or small family, listed in ``registry.MODULES``.

Each module defines ``RULES: tuple[Rule, ...]`` (see ``base``); ``docs/writing-rules.md``
explains how to add one.  Id ranges: HC0xxx syntax, HC1xxx base image, HC2xxx
privileges, HC3xxx build (package managers, shell), HC4xxx layer hygiene, HC5xxx
provenance (downloads, verification), HC6xxx secrets, HC7xxx audit/metadata.
"""
