"""On a phone: an editor posts pictures and a file; they load, the page fits 360 px, axe finds nothing serious."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from browser_support import axe_violations, sign_in

from intranet_core.testing_browser import scroll_width

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import upload_samples as samples

pytestmark = pytest.mark.browser


async def test_an_editor_posts_pictures_and_a_file_from_a_phone(phone: Any) -> None:
    await sign_in(phone, "editor@example.org")
    await phone.goto("/posts/new")
    # The file fields (the text box's mention helper is checked with the mentions).
    assert await axe_violations(phone, within=".file-fields") == []
    await phone.fill("#body", "Billeder fra sommerfesten.\n\n![Haven](haven.png)")
    await phone.check("input[name=audience] >> nth=0")
    await phone.set_input_files("#images", files=[
        {"name": "haven.png", "mimeType": "image/png", "buffer": samples.png(40, 30)},
        {"name": "band.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg()},
    ])
    await phone.set_input_files("#attachments", files=[
        {"name": "Program.pdf", "mimeType": "application/pdf", "buffer": samples.pdf()},
    ])
    await phone.click("form[action='/posts'] button[type=submit]")
    await phone.wait_for_load_state()
    assert re.search(r"/posts/\d+$", phone.url), phone.url

    # Every picture is decoded by the browser (the served bytes are a real image).
    sizes = await phone.eval_on_selector_all(
        ".post img", "images => Promise.all(images.map(i => i.decode().then(() => [i.alt, i.naturalWidth])))"
    )
    assert sorted(sizes) == [["Haven", 40], ["band.jpg", 1]]
    assert "Program.pdf" in await phone.inner_text(".post-files")
    assert await scroll_width(phone) <= 360
    assert await axe_violations(phone, within="article.post") == []
