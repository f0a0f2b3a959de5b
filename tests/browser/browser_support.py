"""Steps shared by the browser tests (from :mod:`intranet_core.testing_browser`)."""

from __future__ import annotations

from intranet_core.testing_browser import DEMO_PASSWORD, axe_violations, sign_in

__all__ = ["DEMO_PASSWORD", "axe_violations", "sign_in"]
