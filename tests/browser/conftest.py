"""Browser tests: Debian's Chromium driven by Playwright against a real `intranet run`.

No browser is downloaded: Playwright launches /usr/bin/chromium (or
$INTRANET_CHROMIUM). On CI (CI=true) a missing browser fails the run;
elsewhere these tests are skipped with the reason. The fixtures live in
:mod:`intranet_core.testing_browser`, where plugins' browser tests find them too.
"""

from __future__ import annotations

# Fixtures (and the settings other browser tests read), defined once for the core and plugins.
from intranet_core.testing_browser import (  # noqa: F401
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO_PASSWORD,
    PHONE,
    browser,
    live_site,
    phone,
)
