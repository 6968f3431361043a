"""The secrets engine: rules as data, keyword prefilter, redaction; used by lint and scan."""
