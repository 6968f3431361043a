"""Command-line interface: argument parsing and printing only; the pipelines do the work."""
