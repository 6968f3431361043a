"""Vulnerability database (OSV import and local store), version schemes, and matchers."""
