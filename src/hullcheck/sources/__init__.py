"""Image access: references, archives, OCI layouts, registries, engines; the merged view."""
