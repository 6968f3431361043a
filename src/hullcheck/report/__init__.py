"""Report formats: one document model (``document.Report``), one module per format."""
