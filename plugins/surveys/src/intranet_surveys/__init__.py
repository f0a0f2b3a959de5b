"""Surveys for intranet-core: questionnaires, anonymous pulses, results and the intranet's temperature."""

__version__ = "0.1.0"
