"""Catalogers: one module per package type, registered in ``registry``."""
