"""The uploads service: sniffing real files, limits, names, storage by content, purging, personal data.

Runs on SQLite, or on the PostgreSQL named by ``$INTRANET_TEST_DATABASE_URL``;
files go to the test's own directory. The feed's use of it (forms, pages,
who may download) is in ``test_feed_attachments.py``.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import os
import tempfile
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import upload_samples as samples
from click.testing import CliRunner
from litestar import Litestar
from litestar.datastructures import UploadFile

from intranet_core import i18n
from intranet_core.errors import ConfigError
from intranet_core.feed import service as feed
from intranet_core.feed.tables import PostAttachment
from intranet_core.people import service as people
from intranet_core.personal_data.service import erase_person, export_person, leftover_references
from intranet_core.testing import build_app, make_settings
from intranet_core.uploads import service as uploads
from intranet_core.uploads import sniff
from intranet_core.uploads.tables import Upload

OLD = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3)


def upload_file(name: str, data: bytes, client_type: str = "application/octet-stream") -> UploadFile:
    """What Litestar hands a handler for one file of a multipart form."""
    return UploadFile(content_type=client_type, filename=name, file_data=data)


@pytest_asyncio.fixture(name="site")
async def site_fixture(intranet_app: Litestar, intranet_client: httpx.AsyncClient) -> AsyncIterator[Any]:
    """The started app's ``Intranet`` (the client keeps the database open)."""
    yield intranet_app.state.intranet


async def person(intranet: Any, email: str = "karen@example.org") -> int:
    created = await people.create_person(intranet, actor_id=None, fields={"email": email, "name": "Karen Holm"})
    return created.id


def stored_files(intranet: Any) -> list[Path]:
    root = uploads.storage_root(intranet)
    return sorted(p for p in root.glob("??/*") if p.is_file())


def age(path: Path, hours: float) -> None:
    moment = (datetime.datetime.now() - datetime.timedelta(hours=hours)).timestamp()
    os.utime(path, (moment, moment))


# --- sniffing --------------------------------------------------------------------------------


REAL_FILES = [
    ("photo.png", samples.png(), "image/png"),
    ("photo.jpg", samples.jpeg(), "image/jpeg"),
    ("anim.gif", samples.gif(), "image/gif"),
    ("minutes.pdf", samples.pdf(), "application/pdf"),
    ("letter.docx", samples.docx(), sniff.DOCX),
    ("budget.xlsx", samples.xlsx(), sniff.XLSX),
    ("slides.pptx", samples.pptx(), sniff.PPTX),
    ("letter.odt", samples.odt(), sniff.ODT),
    ("bundle.zip", samples.plain_zip(), sniff.ZIP),
    ("notes.txt", samples.TEXT, "text/plain"),
    ("phones.csv", samples.CSV, "text/csv"),
]


@pytest.mark.parametrize(("name", "data", "expected"), REAL_FILES, ids=[f[0] for f in REAL_FILES])
async def test_the_type_comes_from_the_bytes(site: Any, name: str, data: bytes, expected: str) -> None:
    karen = await person(site)
    # The browser's word is ignored: every file claims to be a GIF.
    info = await uploads.store_upload(site, upload_file(name, data, "image/gif"), uploader_id=karen)
    kept = samples.stored(data, expected)  # a PNG, JPEG or WebP is written anew, without its metadata
    assert (info.content_type, info.filename, info.size) == (expected, name, len(kept))
    assert info.is_image == expected.startswith("image/")
    assert uploads.file_path(site, info.sha256).read_bytes() == kept
    row = await Upload.select().where(Upload.id == info.id).first().run()
    assert row is not None and (row["content_type"], row["uploaded_by"]) == (expected, karen)


def test_office_files_are_told_apart_by_their_entries(tmp_path: Path) -> None:
    cases = {"a.docx": (samples.docx(), sniff.DOCX), "a.docm": (samples.docm(), sniff.DOCM),
             "a.xlsx": (samples.xlsx(), sniff.XLSX), "a.pptx": (samples.pptx(), sniff.PPTX),
             "a.odt": (samples.odt(), sniff.ODT), "a.zip": (samples.plain_zip(), sniff.ZIP),
             # A zip that merely says it is Word.
             "b.docx": (samples.plain_zip(), sniff.ZIP), "broken.zip": (samples.docx()[:40], sniff.OCTET_STREAM)}
    for name, (data, expected) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert sniff.sniff(path, name) == expected, name


def test_text_that_is_markup_is_not_plain_text(tmp_path: Path) -> None:
    cases = {
        "page.txt": (samples.HTML, "text/html"),
        "late.txt": (b"Just some words.\n" * 5 + b"<script>alert(1)</script>", "text/html"),
        "picture.txt": (samples.SVG, "image/svg+xml"),
        "data.txt": (b"BMW;Audi;Volvo\n1;2;3\n", "text/plain"),  # "BM" also starts a bitmap
        "bin.txt": (b"\x00\x01\x02\x03binary", sniff.OCTET_STREAM),
    }
    for name, (data, expected) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert sniff.sniff(path, name) == expected, name


async def test_a_png_named_pdf_is_refused_and_a_name_without_extension_gets_one(site: Any) -> None:
    karen = await person(site)
    with pytest.raises(uploads.UploadError) as refused:
        await uploads.store_upload(site, upload_file("report.pdf", samples.png()), uploader_id=karen)
    assert refused.value.code == "name_mismatch"
    assert "report.pdf" in refused.value.message and "PNG" in refused.value.message
    info = await uploads.store_upload(site, upload_file("scan", samples.png()), uploader_id=karen)
    assert (info.filename, info.content_type) == ("scan.png", "image/png")
    assert await Upload.count().run() == 1


async def test_html_named_png_is_refused_in_either_language(site: Any) -> None:
    karen = await person(site)
    with pytest.raises(uploads.UploadError) as refused:
        await uploads.store_upload(site, upload_file("cat.png", samples.HTML, "image/png"), uploader_id=karen)
    assert refused.value.code == "not_allowed"
    assert refused.value.message == "cat.png: files of this type are not allowed (text/html)."
    token = i18n.set_language("da")
    try:
        with pytest.raises(uploads.UploadError) as danish:
            await uploads.store_upload(site, upload_file("cat.png", samples.HTML), uploader_id=karen)
    finally:
        i18n.reset_language(token)
    assert danish.value.message == "cat.png: filer af denne type er ikke tilladt (text/html)."
    assert await Upload.count().run() == 0
    assert stored_files(site) == []


async def test_svg_is_stored_only_where_allowed_and_never_shown_inline(site: Any) -> None:
    karen = await person(site)
    with pytest.raises(uploads.UploadError, match="not allowed"):
        await uploads.store_upload(site, upload_file("logo.svg", samples.SVG), uploader_id=karen)
    info = await uploads.store_upload(site, upload_file("logo.svg", samples.SVG), uploader_id=karen,
                                      allowed_types=["image/svg+xml"])
    assert info.content_type == "image/svg+xml" and not info.is_image
    response = uploads.upload_response(site, info, inline=True)
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    with pytest.raises(ConfigError, match="image_types"):
        from intranet_core.settings import settings_from_dict

        settings_from_dict({"uploads": {"image_types": ["image/png", "image/svg+xml"]}})


# --- pictures are written anew -------------------------------------------------------------


def phone_photo(size: tuple[int, int] = (40, 30), orientation: int = 6, fmt: str = "JPEG") -> bytes:
    """A photo as a phone stores it: GPS position, time, device, owner, and "turn me" in its EXIF."""
    import io

    from PIL import Image

    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))  # left half blue: which way is up shows
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation: 6 = turn 90 degrees clockwise to show
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x013B] = "Karen Holm"  # Artist
    exif[0x0132] = "2026:11:01 08:15:00"  # DateTime
    exif[0x8825] = {1: "N", 2: (56.0, 9.0, 30.0), 3: "E", 4: (10.0, 12.0, 5.0)}  # GPSInfo: where she lives
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif, **({"quality": 95} if fmt == "JPEG" else {}))
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "PNG"])
async def test_a_photo_keeps_its_pixels_and_loses_where_it_was_taken(site: Any, fmt: str) -> None:
    import io

    from PIL import Image

    karen = await person(site)
    data = phone_photo(fmt=fmt)
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(0x8825), "the sample carries a GPS position"
    name = {"JPEG": "photo.jpg", "WEBP": "photo.webp", "PNG": "photo.png"}[fmt]
    info = await uploads.store_upload(site, upload_file(name, data), uploader_id=karen)
    kept = uploads.file_path(site, info.sha256).read_bytes()
    assert (info.size, info.sha256) == (len(kept), hashlib.sha256(kept).hexdigest())
    assert b"PhoneMaker" not in kept and b"Karen Holm" not in kept and b"2026:11:01" not in kept
    with Image.open(io.BytesIO(kept)) as picture:
        assert not picture.getexif() and "exif" not in picture.info and "xmp" not in picture.info
        # Turned as the phone said: 40x30 lying becomes 30x40 standing, the blue half now on top.
        assert picture.size == (30, 40)
        top, bottom = picture.convert("RGB").getpixel((15, 5)), picture.convert("RGB").getpixel((15, 35))
        assert top[2] > 150 > top[0] and bottom[0] > 150 > bottom[2]


async def test_a_large_picture_is_scaled_down_and_a_broken_one_refused(site: Any) -> None:
    import io

    from PIL import Image

    karen = await person(site)
    big = phone_photo(size=(3000, 2000), orientation=1)
    info = await uploads.store_upload(site, upload_file("big.jpg", big), uploader_id=karen)
    with Image.open(uploads.file_path(site, info.sha256)) as picture:
        assert picture.size == (2560, 1707)
    # A feature that needs fewer pixels (a profile photo) asks for them.
    info = await uploads.store_upload(site, upload_file("face.jpg", big), uploader_id=karen, image_max_side=800)
    with Image.open(uploads.file_path(site, info.sha256)) as picture:
        assert picture.size == (800, 533)
    # Its bytes say JPEG, but what follows the header is not a picture.
    broken = samples.jpeg()[:30] + b"\x00" * 500
    with pytest.raises(uploads.UploadError) as refused:
        await uploads.store_upload(site, upload_file("broken.jpg", broken), uploader_id=karen)
    assert refused.value.code == "unreadable"
    # A small file that claims a picture of a billion pixels is refused before it is decoded.
    header = io.BytesIO()
    Image.new("L", (1, 1)).save(header, format="PNG")
    bomb = bytearray(header.getvalue())
    bomb[16:24] = (50_000).to_bytes(4, "big") + (50_000).to_bytes(4, "big")  # IHDR width and height
    bomb[29:33] = zlib.crc32(bytes(bomb[12:29])).to_bytes(4, "big")  # and the chunk's checksum
    with pytest.raises(uploads.UploadError) as refused:
        await uploads.store_upload(site, upload_file("bomb.png", bytes(bomb)), uploader_id=karen)
    assert refused.value.code == "too_large"
    assert await Upload.count().run() == 2


# --- size ------------------------------------------------------------------------------------


async def test_one_byte_over_the_limit_is_refused_without_reading_on(site: Any) -> None:
    karen = await person(site)
    limit = 1000
    data = samples.pdf() + b"\x00" * (limit - len(samples.pdf()))
    assert len(data) == limit
    info = await uploads.store_upload(site, upload_file("exact.pdf", data), uploader_id=karen, max_bytes=limit)
    assert info.size == limit

    big = tempfile.SpooledTemporaryFile(max_size=10)
    big.write(data + b"\x00" * 100_000)
    big.seek(0)
    over = UploadFile(content_type="image/png", filename="over.png")
    over.file = big  # type: ignore[assignment]
    with pytest.raises(uploads.UploadError) as refused:
        await uploads.store_upload(site, over, uploader_id=karen, max_bytes=limit)
    assert refused.value.code == "too_large"
    assert refused.value.message == "over.png: the file is too large (at most 1 kB)."
    # It stopped reading one byte past the limit.
    assert big.tell() == limit + 1
    big.close()

    one_over = upload_file("one-over.png", data + b"\x00")
    with pytest.raises(uploads.UploadError, match="too large"):
        await uploads.store_upload(site, one_over, uploader_id=karen, max_bytes=limit)
    # Nothing half-written: one row, one file, no temporary file left.
    assert await Upload.count().run() == 1
    assert len(stored_files(site)) == 1
    assert list((uploads.storage_root(site) / uploads.TMP_DIR).iterdir()) == []


async def test_an_empty_file_is_refused(site: Any) -> None:
    with pytest.raises(uploads.UploadError) as refused:
        await uploads.store_upload(site, upload_file("empty.txt", b""), uploader_id=await person(site))
    assert refused.value.code == "empty"


# --- names, storage by content, deleting -------------------------------------------------------


def test_file_names_are_cleaned() -> None:
    assert uploads.clean_filename("../../etc/passwd") == "passwd"
    assert uploads.clean_filename("C:\\Users\\x\\Rapport 2026.pdf") == "Rapport 2026.pdf"
    assert uploads.clean_filename('a<b>"c\x00\x1f.txt') == "a_b_c_.txt"
    assert uploads.clean_filename("  ..  ") == "file"
    assert uploads.clean_filename(None) == "file"
    long = uploads.clean_filename("x" * 500 + ".pdf")
    assert len(long) == uploads.MAX_FILENAME and long.endswith(".pdf")
    assert uploads.content_disposition("attachment", "Mødereferat \"Café\".pdf") == (
        "attachment; filename=\"M_dereferat _Cafe_.pdf\"; filename*=UTF-8''M%C3%B8dereferat%20%22Caf%C3%A9%22.pdf"
    )


async def test_the_same_bytes_are_stored_once(site: Any) -> None:
    karen = await person(site)
    first = await uploads.store_upload(site, upload_file("a.png", samples.png()), uploader_id=karen)
    second = await uploads.store_upload(site, upload_file("copy of a.png", samples.png()), uploader_id=karen)
    other = await uploads.store_upload(site, upload_file("b.png", samples.png(seed=7)), uploader_id=karen)
    assert first.id != second.id and first.sha256 == second.sha256 != other.sha256
    assert len(stored_files(site)) == 2
    found = await uploads.get_uploads([first.id, second.id, 999_999])
    assert set(found) == {first.id, second.id} and found[second.id].filename == "copy of a.png"

    await uploads.delete_upload(site, first.id)
    assert uploads.file_path(site, second.sha256).exists()  # still used by the copy
    await uploads.delete_upload(site, second.id)
    assert not uploads.file_path(site, second.sha256).exists()
    assert stored_files(site) == [uploads.file_path(site, other.sha256)]


async def test_a_file_whose_row_rolled_back_is_purged(site: Any) -> None:
    karen = await person(site)

    class Refused(Exception):
        pass

    with pytest.raises(Refused):
        async with site.db.transaction(write=True):
            await uploads.store_upload(site, upload_file("a.pdf", samples.pdf("rolled back")), uploader_id=karen)
            raise Refused()
    assert await Upload.count().run() == 0
    [left] = stored_files(site)
    # Untouched for less than an hour it stays (its row could be on its way) ...
    assert await uploads.purge_orphans(site) == 0 and left.exists()
    age(left, 2)
    assert await uploads.purge_orphans(site) == 1 and not left.exists()


async def test_purge_keeps_what_is_referred_to(site: Any) -> None:
    karen = await person(site)
    post_id = await feed.create_post(site, author_id=karen, title="T", body="B", audience=["all"], announce=False)
    kept = await uploads.store_upload(site, upload_file("kept.pdf", samples.pdf("kept")), uploader_id=karen)
    await PostAttachment.insert(PostAttachment(post=post_id, upload=kept.id, kind="file", position=0)).run()
    unused = await uploads.store_upload(site, upload_file("unused.pdf", samples.pdf("unused")), uploader_id=karen)
    young = await uploads.store_upload(site, upload_file("young.pdf", samples.pdf("young")), uploader_id=karen)
    await Upload.update({Upload.created_at: OLD}).where(Upload.id.is_in([kept.id, unused.id])).run()
    for path in stored_files(site):
        age(path, 48)

    report = await uploads.purge(site)
    assert (report.rows, report.files) == (1, 1)
    assert {r["id"] for r in await Upload.select(Upload.id).run()} == {kept.id, young.id}
    assert not uploads.file_path(site, unused.sha256).exists()
    assert uploads.file_path(site, kept.sha256).exists() and uploads.file_path(site, young.sha256).exists()
    assert await uploads.purge_orphans(site) == 0


def test_the_purge_command(tmp_path: Path, database_url: str) -> None:
    from intranet_core.cli import cli, load_app

    directory = tmp_path / "files"
    settings = make_settings(database_url, uploads={"directory": str(directory)})
    config = tmp_path / "intranet.toml"
    config.write_text(f'secret_key = "{"k" * 40}"\n[database]\nurl = "{database_url}"\n[uploads]\n'
                      f'directory = "{directory}"\n[plugins]\nenabled = []\n')

    async def prepare() -> Path:
        app = await build_app(settings)
        intranet = app.state.intranet
        await intranet.db.connect()
        try:
            prepared = await uploads.prepare_upload(intranet, upload_file("lost.pdf", samples.pdf()))
            return uploads.file_path(intranet, prepared.sha256)
        finally:
            await intranet.db.close()

    lost = asyncio.run(prepare())
    age(lost, 3)
    result = CliRunner().invoke(cli, ["uploads", "purge", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "0 unused upload(s) and 1 file(s) removed." in result.output
    assert not lost.exists()
    assert load_app(settings).settings.uploads.directory == str(directory)


def test_the_request_limit_fits_the_files() -> None:
    settings = make_settings("sqlite:///unused.sqlite3", uploads={"max_bytes": 5_000_000, "max_files": 4})
    assert settings.uploads.request_max_bytes > 4 * 5_000_000
    with pytest.raises(ConfigError, match="max_bytes"):
        make_settings("sqlite:///unused.sqlite3", uploads={"max_bytes": 0})


# --- personal data ---------------------------------------------------------------------------


async def test_export_lists_uploads_and_erasure_follows_the_mode(site: Any) -> None:
    karen = await person(site)
    ole = await person(site, "ole@example.org")
    mine = await uploads.store_upload(site, upload_file("cv.pdf", samples.pdf("cv")), uploader_id=karen)
    theirs = await uploads.store_upload(site, upload_file("ole.pdf", samples.pdf("ole")), uploader_id=ole)

    document = await export_person(site, karen, actor_id=None)
    assert [(u["id"], u["filename"], u["content_type"]) for u in document["core"]["uploads"]] == [
        (mine.id, "cv.pdf", "application/pdf")
    ]

    await erase_person(site, ole, actor_id=None, mode="anonymise")
    row = await Upload.select(Upload.uploaded_by).where(Upload.id == theirs.id).first().run()
    assert row == {"uploaded_by": None}  # kept, without who uploaded it

    await erase_person(site, karen, actor_id=None, mode="delete_content")
    assert not await Upload.exists().where(Upload.id == mine.id).run()
    assert await leftover_references(site, karen) == {}
    # The bytes go with the next purge (the erasure's transaction could not remove them safely).
    age(uploads.file_path(site, mine.sha256), 2)
    await uploads.purge_orphans(site)
    assert not uploads.file_path(site, mine.sha256).exists()


async def test_a_client_started_app_serves_nothing_from_the_uploads_directory(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient
) -> None:
    """Files are reached only through their owner's routes, never by their path on disk."""
    intranet = intranet_app.state.intranet
    info = await uploads.store_upload(intranet, upload_file("a.png", samples.png()), uploader_id=await person(intranet))
    for path in (f"/uploads/{info.sha256[:2]}/{info.sha256}", f"/files/{info.id}", f"/static/uploads/{info.sha256}"):
        assert (await intranet_client.get(path)).status_code in (401, 404), path

