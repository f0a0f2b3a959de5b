"""Uploaded files: stored once by content, their type sniffed, served so that they cannot run.

This service decides nothing about who may see a file. The feature that
owns an upload (a post's attachment, a workgroup's file) keeps a row that
refers to it (a foreign key to ``upload``), checks in its own query that
the person may see it, and only then asks :func:`upload_response`.

Storing (:func:`store_upload`) copies the upload in chunks to a temporary
file under ``[uploads] directory``, stopping one byte past ``max_bytes``,
hashes it on the way, sniffs its type from the bytes
(:mod:`intranet_core.uploads.sniff`), checks it against the allowed types
and its name, writes a JPEG, PNG or WebP picture anew without its metadata
(a phone's photo says where it was taken), upright and at most
``[uploads] image_max_side`` pixels on a side, then moves it to ``<directory>/<sha256[:2]>/<sha256>``: the
same bytes are kept once, however often they are uploaded. Then it writes
the ``upload`` row, in the caller's transaction if there is one. The work
on disk can be done first, outside any transaction, with
:func:`prepare_upload`, and the row written later with :func:`save_upload`
(what a form with several files does: every file is checked before anything
is written to the database).

A file whose row never committed (a form refused halfway, a rolled-back
transaction), and a row no owner refers to any more, are removed by
:func:`purge_orphans` (``intranet uploads purge``, from cron), after a grace
period that keeps uploads in progress safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import hashlib
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import msgspec
from litestar import Router
from litestar.datastructures import ETag, UploadFile
from litestar.exceptions import NotFoundException
from litestar.response import File, Response
from litestar.types import ControllerRouterHandler
from piccolo.columns import ForeignKey
from piccolo.table import Table

from intranet_core.i18n import gettext as _
from intranet_core.uploads import sniff as sniffing
from intranet_core.uploads.tables import Upload

log = logging.getLogger("intranet.uploads")

CHUNK_BYTES = 64 * 1024
MAX_FILENAME = 200
TMP_DIR = ".incoming"
FILE_GRACE = datetime.timedelta(hours=1)
"""A file on disk without a row is left alone this long (its row may be on its way)."""
ROW_GRACE = datetime.timedelta(days=1)
"""An upload row no owner refers to is kept this long (its owner's row may be on its way)."""
CACHE_CONTROL = "private, max-age=3600"
SANDBOX = "default-src 'none'; sandbox"
# Raster images only: an SVG (which may hold script) never counts as an image to show.
RASTER_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class UploadInfo(msgspec.Struct, frozen=True):
    """An uploaded file as stored: its id, its (cleaned) name, its sniffed type and size."""

    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: int | None
    created_at: datetime.datetime

    @property
    def is_image(self) -> bool:
        """A raster image (PNG, JPEG, GIF, WebP): may be shown inline if ``[uploads] image_types`` says so."""
        return self.content_type in RASTER_IMAGE_TYPES


class UploadError(Exception):
    """An upload was refused; ``message`` says why, in the reader's language.

    ``code`` is one of ``too_large``, ``not_allowed``, ``empty``,
    ``name_mismatch``, ``unreadable`` (a picture that cannot be decoded);
    ``filename`` the name as the person gave it.
    """

    def __init__(self, code: str, message: str, filename: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.filename = filename


@dataclass(frozen=True)
class PreparedUpload:
    """A file checked and on disk, whose row is not written yet (:func:`save_upload`)."""

    filename: str
    content_type: str
    size: int
    sha256: str


# --- where files are -------------------------------------------------------------------


def storage_root(intranet: Any) -> Path:
    """``[uploads] directory``, absolute (a relative one is under the working directory)."""
    return Path(intranet.settings.uploads.directory).expanduser().resolve()


def file_path(intranet: Any, sha256: str) -> Path:
    """Where the bytes with this hash are kept."""
    if not _SHA256.match(sha256):
        raise ValueError("not a sha256 hex digest")
    return storage_root(intranet) / sha256[:2] / sha256


def clean_filename(name: str | None) -> str:
    """A name safe to show and to send back: no path, no control or reserved characters, not too long."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE_NAME.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    if not name:
        return "file"
    if len(name) > MAX_FILENAME:
        ext = sniffing.extension_of(name)
        name = name[: MAX_FILENAME - len(ext)].rstrip(" .") + ext
    return name


def format_size(size: int) -> str:
    """``2.4 MB``, ``812 kB``, ``15 bytes``: for lists of files (decimal units)."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    if size >= 1_000:
        return f"{size / 1_000:.0f} kB"
    return _("%(count)s bytes") % {"count": size}


def type_label(content_type: str) -> str:
    """A reader's word for a type: ``PDF``, ``Word``, ``PNG image``."""
    labels = {
        "application/pdf": "PDF",
        sniffing.DOCX: "Word",
        sniffing.XLSX: "Excel",
        sniffing.PPTX: "PowerPoint",
        sniffing.ODT: "OpenDocument " + _("text"),
        sniffing.ODS: "OpenDocument " + _("spreadsheet"),
        sniffing.ODP: "OpenDocument " + _("presentation"),
        sniffing.ZIP: "ZIP",
        "text/plain": _("Text"),
        "text/csv": "CSV",
    }
    if content_type in labels:
        return labels[content_type]
    if content_type.startswith("image/"):
        kind = content_type.removeprefix("image/").split("+")[0].upper()
        return _("%(kind)s image") % {"kind": kind}
    return content_type


# --- storing ---------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


def _copy(source: IO[bytes], root: Path, limit: int) -> tuple[Path, str, int]:
    """Copy ``source`` to a new temporary file in chunks; stop one byte past ``limit``."""
    incoming = root / TMP_DIR
    incoming.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=incoming, prefix="up-")
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(handle, "wb") as target:
            with contextlib.suppress(AttributeError, OSError, ValueError):
                source.seek(0)
            while True:
                chunk = source.read(min(CHUNK_BYTES, limit + 1 - size))
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise _TooLarge()
                digest.update(chunk)
                target.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, digest.hexdigest(), size


# Pictures that are written anew without their metadata. GIF and BMP carry none worth the name.
CLEANED_IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
MAX_IMAGE_PIXELS = 60_000_000
"""A picture with more pixels is refused before it is decoded (a small file can unpack to gigabytes)."""


class _Unreadable(Exception):
    pass


def _clean_image(path: Path, content_type: str, max_side: int) -> tuple[str, int]:
    """Write the picture anew in place: upright, at most ``max_side`` on a side, without metadata.

    A phone's photo carries EXIF: where it was taken (GPS), when, on what
    device, sometimes its owner's name; PNG and WebP carry text chunks and
    XMP. None of it is kept, only the pixels (and the colour profile).
    Pillow does the decoding; returns the new file's sha256 and size.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise _TooLarge()
            animated = getattr(image, "is_animated", False)
            icc = image.info.get("icc_profile")
            options: dict[str, Any] = {"icc_profile": icc} if icc else {}
            frames: Image.Image = image
            if animated:
                # Every frame, as it was: only the metadata is left out.
                options.update(save_all=True, duration=image.info.get("duration"), loop=image.info.get("loop", 0))
            else:
                frames = ImageOps.exif_transpose(image)
                if max_side and max(frames.size) > max_side:
                    frames.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            fmt = CLEANED_IMAGE_TYPES[content_type]
            if fmt == "JPEG":
                options.update(quality=90, optimize=True)
                if frames.mode not in ("RGB", "L", "CMYK"):
                    frames = frames.convert("RGB")
            elif fmt == "WEBP" and not animated:
                options.update(quality=90)
            cleaned = path.with_name(path.name + ".clean")
            frames.save(cleaned, format=fmt, **options)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        if isinstance(exc, Image.DecompressionBombError):
            raise _TooLarge() from None
        raise _Unreadable() from None
    os.replace(cleaned, path)
    digest = hashlib.sha256()
    with path.open("rb") as written:
        for chunk in iter(lambda: written.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest(), path.stat().st_size


def _place(temporary: Path, final: Path) -> None:
    """Move the new file into place, or keep the copy already there (same bytes)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        temporary.unlink(missing_ok=True)
        # A fresh time: purge_orphans leaves it alone while its new row is on its way.
        os.utime(final)
    else:
        os.replace(temporary, final)


def files_in_form(form: Any, field: str) -> list[UploadFile]:
    """The files chosen in a multipart form's field (a browser sends an empty part when none is chosen)."""
    values = form.getall(field, []) if hasattr(form, "getall") else []
    return [value for value in values if isinstance(value, UploadFile) and value.filename]


async def prepare_upload(
    intranet: Any, file: UploadFile, *, allowed_types: Collection[str] | None = None,
    max_bytes: int | None = None, image_max_side: int | None = None,
) -> PreparedUpload:
    """Check an uploaded file and put its bytes in place; no row yet (see :func:`save_upload`).

    ``image_max_side`` (default ``[uploads] image_max_side``): the longest
    side a picture is scaled down to (a profile photo needs far fewer pixels).

    :raises UploadError: too large, empty, a type not allowed, or a name that says another type.
    """
    settings = intranet.settings.uploads
    limit = settings.max_bytes if max_bytes is None else max_bytes
    allowed = set(settings.allowed_types if allowed_types is None else allowed_types)
    given = file.filename or ""
    name = clean_filename(given)
    root = storage_root(intranet)
    try:
        temporary, sha256, size = await asyncio.to_thread(_copy, file.file, root, limit)
    except _TooLarge:
        raise UploadError("too_large", _("%(name)s: the file is too large (at most %(size)s).") % {
            "name": name, "size": format_size(limit)}, given) from None
    try:
        if size == 0:
            raise UploadError("empty", _("%(name)s: the file is empty.") % {"name": name}, given)
        content_type = await asyncio.to_thread(sniffing.sniff, temporary, name)
        if content_type not in allowed:
            raise UploadError("not_allowed", _("%(name)s: files of this type are not allowed (%(type)s).") % {
                "name": name, "type": type_label(content_type)}, given)
        kept = sniffing.name_for(name, content_type)
        if kept is None:
            raise UploadError("name_mismatch", _(
                "%(name)s: the file's name does not match what it contains (%(type)s)."
            ) % {"name": name, "type": type_label(content_type)}, given)
        if content_type in CLEANED_IMAGE_TYPES:
            try:
                sha256, size = await asyncio.to_thread(
                    _clean_image, temporary, content_type,
                    settings.image_max_side if image_max_side is None else image_max_side)
            except _TooLarge:
                raise UploadError("too_large", _("%(name)s: the picture has too many pixels.") % {
                    "name": name}, given) from None
            except _Unreadable:
                raise UploadError("unreadable", _("%(name)s: the picture cannot be read.") % {
                    "name": name}, given) from None
        await asyncio.to_thread(_place, temporary, file_path(intranet, sha256))
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return PreparedUpload(filename=kept, content_type=content_type, size=size, sha256=sha256)


async def save_upload(prepared: PreparedUpload, *, uploader_id: int | None) -> UploadInfo:
    """Write the row of a prepared upload (in the caller's transaction, if any)."""
    moment = now()
    rows = await Upload.insert(Upload(
        sha256=prepared.sha256, filename=prepared.filename, content_type=prepared.content_type,
        size=prepared.size, uploaded_by=uploader_id, created_at=moment,
    )).returning(Upload.id).run()
    return UploadInfo(id=int(rows[0]["id"]), filename=prepared.filename, content_type=prepared.content_type,
                      size=prepared.size, sha256=prepared.sha256, uploaded_by=uploader_id, created_at=moment)


async def store_upload(
    intranet: Any, file: UploadFile, *, uploader_id: int, allowed_types: Collection[str] | None = None,
    max_bytes: int | None = None, image_max_side: int | None = None,
) -> UploadInfo:
    """Check an uploaded file, keep its bytes, and write its row.

    Call it inside the caller's write transaction, or before it; defaults
    are ``[uploads] allowed_types`` and ``max_bytes``.

    :raises UploadError: too large, empty, a type not allowed, or a name that says another type.
    """
    prepared = await prepare_upload(intranet, file, allowed_types=allowed_types, max_bytes=max_bytes,
                                    image_max_side=image_max_side)
    return await save_upload(prepared, uploader_id=uploader_id)


# --- reading ---------------------------------------------------------------------------


def _info(row: dict[str, Any]) -> UploadInfo:
    return UploadInfo(
        id=int(row["id"]), filename=row["filename"], content_type=row["content_type"], size=int(row["size"]),
        sha256=row["sha256"], uploaded_by=row["uploaded_by"], created_at=row["created_at"],
    )


UPLOAD_COLUMNS = (Upload.id, Upload.filename, Upload.content_type, Upload.size, Upload.sha256, Upload.uploaded_by,
                  Upload.created_at)


async def get_uploads(ids: Sequence[int]) -> dict[int, UploadInfo]:
    """The uploads with these ids (one query); unknown ids are left out."""
    wanted = sorted({int(i) for i in ids if 0 < int(i) < 2**31})
    if not wanted:
        return {}
    rows = await Upload.select(*UPLOAD_COLUMNS).where(Upload.id.is_in(wanted)).run()
    return {int(row["id"]): _info(row) for row in rows}


def upload_info(row: dict[str, Any], prefix: str = "") -> UploadInfo:
    """An :class:`UploadInfo` from a row with the upload's columns (``prefix`` for joined ones: ``upload.``)."""
    return _info({name: row[f"{prefix}{name}"] for name in
                  ("id", "filename", "content_type", "size", "sha256", "uploaded_by", "created_at")})


def content_disposition(kind: str, filename: str) -> str:
    """``attachment; filename="plain.pdf"; filename*=UTF-8''...``: an ASCII name for old clients, the real one."""
    letters = "".join(c for c in unicodedata.normalize("NFKD", filename) if not unicodedata.combining(c))
    fallback = re.sub(r"[^A-Za-z0-9._ ()-]", "_", letters).strip() or "file"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def upload_response(intranet: Any, info: UploadInfo, *, inline: bool) -> File:
    """The file as a response, after the owner has checked that the person may see it.

    Shown in the page only when ``inline`` and it is an image of
    ``[uploads] image_types``; downloaded otherwise. Either way: the sniffed
    type, ``nosniff``, and a sandboxing Content-Security-Policy, so that
    even a file a browser might run is inert.

    :raises NotFoundException: the bytes are missing on disk.
    """
    path = file_path(intranet, info.sha256)
    try:
        stat = path.stat()
    except OSError:
        log.error("upload %s: its file is missing", info.id)
        raise NotFoundException() from None
    show = inline and info.is_image and info.content_type in intranet.settings.uploads.image_types
    return File(
        path=path,
        filename=info.filename,
        stat_result=stat,
        media_type=info.content_type,
        content_disposition_type="inline" if show else "attachment",
        etag=ETag(value=info.sha256),
        headers={
            "Content-Disposition": content_disposition("inline" if show else "attachment", info.filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": SANDBOX,
            "Cache-Control": CACHE_CONTROL,
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )


def etag_of(info: UploadInfo) -> str:
    return f'"{info.sha256}"'


def not_modified(request: Any, info: UploadInfo) -> bool:
    """Whether the browser already has these bytes (its ``If-None-Match`` names them)."""
    wanted = request.headers.get("if-none-match", "")
    return any(tag.strip().removeprefix("W/") in (etag_of(info), "*") for tag in wanted.split(",") if tag.strip())


def not_modified_response(info: UploadInfo) -> Response[None]:
    """304 for a browser that has the file: ask only after the owner's check, like the file itself."""
    return Response(None, status_code=304, headers={"ETag": etag_of(info), "Cache-Control": CACHE_CONTROL})


def with_upload_limit(intranet: Any, handlers: Sequence[ControllerRouterHandler]) -> Router:
    """The route handlers that take files, under a request body limit that fits ``[uploads]``.

    Litestar refuses a request body larger than its limit (10 MB by
    default) before a handler runs; a form carrying files needs up to
    ``max_files`` times ``max_bytes``. Other routes keep the default.
    Litestar keeps a path in one router only: put every handler of a path
    here (the form's GET with its POST).
    """
    return Router(path="/", route_handlers=list(handlers),
                  request_max_body_size=intranet.settings.uploads.request_max_bytes)


# --- deleting --------------------------------------------------------------------------


def _in_transaction() -> bool:
    return Upload._meta.db.current_transaction.get() is not None


def _remove_unused(intranet: Any, sha256s: Collection[str], still_used: Collection[str]) -> int:
    removed = 0
    for sha256 in set(sha256s) - set(still_used):
        with contextlib.suppress(FileNotFoundError):
            file_path(intranet, sha256).unlink()
            removed += 1
    return removed


async def remove_files_if_unused(intranet: Any, sha256s: Collection[str]) -> int:
    """Remove the files of these hashes that no row refers to; call after the deleting transaction committed.

    Inside a transaction nothing is removed (a rollback would bring the
    rows back): :func:`purge_orphans` removes those files later.
    """
    wanted = sorted(set(sha256s))
    if not wanted or _in_transaction():
        return 0
    rows = await Upload.select(Upload.sha256).where(Upload.sha256.is_in(wanted)).run()
    return await asyncio.to_thread(_remove_unused, intranet, wanted, {r["sha256"] for r in rows})


async def delete_upload(intranet: Any, upload_id: int) -> None:
    """Delete an upload's row (its owner's rows go with it); its file too when no other row has the same bytes.

    Inside the caller's transaction only the row is deleted: the file is
    left to :func:`purge_orphans`, since a rollback would bring the row back.
    """
    async with intranet.db.transaction(write=True):
        rows = await Upload.delete().where(Upload.id == upload_id).returning(Upload.sha256).run()
    if rows:
        await remove_files_if_unused(intranet, [rows[0]["sha256"]])


# --- orphans ---------------------------------------------------------------------------


def upload_references(intranet: Any) -> list[tuple[type[Table], ForeignKey[Any]]]:
    """Every foreign key to ``upload`` in every registered table: how an owner says "this upload is mine"."""
    found = []
    for app in intranet.db.apps:
        for table in app.table_classes:
            for column in table._meta.foreign_key_columns:
                if column._foreign_key_meta.resolved_references._meta.tablename == Upload._meta.tablename:
                    found.append((table, column))
    return found


@dataclass(frozen=True)
class PurgeReport:
    rows: int
    files: int


def _files_on_disk(root: Path, older_than: float) -> tuple[list[str], list[Path]]:
    """Hashes of stored files, and leftover temporary files, last touched before ``older_than``."""
    hashes: list[str] = []
    leftovers: list[Path] = []
    if not root.is_dir():
        return hashes, leftovers
    for folder in root.iterdir():
        if folder.name == TMP_DIR and folder.is_dir():
            leftovers += [f for f in folder.iterdir() if f.is_file() and f.stat().st_mtime < older_than]
            continue
        if not (folder.is_dir() and len(folder.name) == 2):
            continue
        for file in folder.iterdir():
            if _SHA256.match(file.name) and file.name[:2] == folder.name and file.stat().st_mtime < older_than:
                hashes.append(file.name)
    return hashes, leftovers


def _remove(paths: list[Path]) -> int:
    removed = 0
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed += 1
    return removed


async def purge(intranet: Any, *, at: datetime.datetime | None = None) -> PurgeReport:
    """:func:`purge_orphans`, telling rows and files apart."""
    moment = at or now()
    condition: Any = Upload.created_at < moment - ROW_GRACE
    for table, column in upload_references(intranet):
        condition = condition & Upload.id.not_in(table.select(column).where(column.is_not_null()))
    async with intranet.db.transaction(write=True):
        rows = await Upload.delete().where(condition).returning(Upload.id).run()
    hashes, leftovers = await asyncio.to_thread(
        _files_on_disk, storage_root(intranet), (moment - FILE_GRACE).timestamp()
    )
    files = await asyncio.to_thread(_remove, leftovers)
    for start in range(0, len(hashes), 500):
        batch = hashes[start:start + 500]
        kept = {r["sha256"] for r in await Upload.select(Upload.sha256).where(Upload.sha256.is_in(batch)).run()}
        files += await asyncio.to_thread(_remove_unused, intranet, batch, kept)
    if rows or files:
        log.info("purged %s unused upload(s) and %s file(s)", len(rows), files)
    return PurgeReport(rows=len(rows), files=files)


async def purge_orphans(intranet: Any) -> int:
    """Remove what nobody needs; returns how many rows and files went.

    - ``upload`` rows older than a day that no table refers to (every
      foreign key to ``upload`` in every registered Piccolo app counts as
      a reference: an owner needs nothing else);
    - files under ``[uploads] directory`` that no row has, and temporary
      files, untouched for an hour.

    Run it from cron: ``intranet uploads purge``.
    """
    report = await purge(intranet)
    return report.rows + report.files
