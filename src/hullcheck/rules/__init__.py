"""Dockerfile rules: one module per rule family, registered in ``registry``."""
