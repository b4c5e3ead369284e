"""correlator: monitoring alert correlation daemon."""

__version__ = "0.1.0"
