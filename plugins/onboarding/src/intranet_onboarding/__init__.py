"""Onboarding and offboarding flows for intranet-core."""

__version__ = "0.1.0"
