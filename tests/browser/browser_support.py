"""Steps shared by the browser tests."""

from __future__ import annotations

from typing import Any

DEMO_PASSWORD = "intranet-demo"


async def sign_in(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    await page.goto("/signin")
    await page.fill("#email", email)
    await page.fill("#password", password)
    await page.click("form[action='/signin'] button[type=submit]")
    await page.wait_for_load_state()
