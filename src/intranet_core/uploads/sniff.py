"""What a file really is, from its bytes: never from its name or the browser's word.

Three steps:

1. Zip containers (``PK\\x03\\x04``) are told apart by their inner entries,
   read from the central directory without decompressing anything (so a
   zip bomb costs nothing): ``word/``, ``xl/``, ``ppt/`` make Office Open
   XML documents (with ``vbaProject.bin`` their macro-enabled variants, not
   allowed by default); a stored ``mimetype`` entry names an OpenDocument
   file; anything else is a plain zip.
2. Other binary formats by their magic numbers, with puremagic (a
   maintained, pure-Python signature database; asked without the file name,
   which it would otherwise weigh in).
3. What is left is text if it holds no binary bytes (the WHATWG MIME
   sniffing rule). Text that starts like HTML, or holds ``<script`` or
   ``<svg`` anywhere near the start, is HTML or SVG (both can run script,
   and neither is on the default allow-list); other text is ``text/plain``,
   or ``text/csv`` when its name says so (plain text either way).

The name then has to agree with the type (:func:`name_for`): a PNG called
``report.pdf`` is refused, a name without an extension gets the right one.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import puremagic

HEAD_BYTES = 4096
MAX_MIMETYPE_ENTRY = 200

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCM = "application/vnd.ms-word.document.macroenabled.12"
XLSM = "application/vnd.ms-excel.sheet.macroenabled.12"
PPTM = "application/vnd.ms-powerpoint.presentation.macroenabled.12"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
ZIP = "application/zip"
OCTET_STREAM = "application/octet-stream"

# The extensions a name may have for each type; the first is added to a
# name that has none.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "image/svg+xml": (".svg",),
    "image/bmp": (".bmp",),
    "image/tiff": (".tif", ".tiff"),
    "application/pdf": (".pdf",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
    DOCM: (".docm",),
    XLSM: (".xlsm",),
    PPTM: (".pptm",),
    ODT: (".odt",),
    ODS: (".ods",),
    ODP: (".odp",),
    "application/vnd.oasis.opendocument.graphics": (".odg",),
    "application/epub+zip": (".epub",),
    ZIP: (".zip",),
    "text/plain": (".txt", ".text", ".log", ".md"),
    "text/csv": (".csv",),
    "text/html": (".html", ".htm"),
    "application/xml": (".xml",),
}

# Binary types puremagic's answer is trusted for (its other answers still
# name the type in the refusal).
_MAGIC_TYPES = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/tiff", "application/pdf",
}
_OOXML = (("word/", DOCX, DOCM), ("xl/", XLSX, XLSM), ("ppt/", PPTX, PPTM))
_ODF = {ODT, ODS, ODP, "application/vnd.oasis.opendocument.graphics", "application/epub+zip"}
# Bytes that never occur in text (WHATWG MIME Sniffing, "binary data byte").
_BINARY_BYTES = frozenset([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
# How HTML may start (WHATWG MIME Sniffing, "rules for identifying an unknown MIME type").
_HTML_STARTS = (
    b"<!doctype html", b"<html", b"<head", b"<script", b"<iframe", b"<h1", b"<div", b"<font", b"<table",
    b"<a", b"<style", b"<title", b"<b", b"<body", b"<br", b"<p", b"<!--",
)
_ACTIVE_ANYWHERE = (b"<script", b"<html", b"<iframe", b"<object", b"<embed")


def sniff(path: Path, filename: str = "") -> str:
    """The content type of the file at ``path`` (``application/octet-stream`` if unknown)."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head:
        return OCTET_STREAM
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_type(path)
    magic, strong = _magic_type(head)
    text = _text_type(head, filename)
    # A short signature ("BM" of a bitmap) also starts many a text file:
    # it counts only when the bytes are not text.
    if magic in _MAGIC_TYPES and (strong or text is None):
        return magic
    return text or magic or OCTET_STREAM


def _magic_type(head: bytes) -> tuple[str | None, bool]:
    """puremagic's best answer, and whether it rests on a signature of 4 bytes or more."""
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return None, False
    for match in matches:
        if match.mime_type:
            return str(match.mime_type).lower(), len(match.byte_match) >= 4
    return None, False


def _zip_type(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = [info.filename for info in infos]
            mimetype = next((i for i in infos if i.filename == "mimetype"), None)
            if mimetype is not None and mimetype.file_size <= MAX_MIMETYPE_ENTRY:
                declared = archive.read(mimetype).decode("ascii", "replace").strip().lower()
                if declared in _ODF:
                    return declared
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        # Broken, encrypted or truncated: not something we can say is harmless.
        return OCTET_STREAM
    if "[Content_Types].xml" in names:
        macros = any(name.lower().endswith("vbaproject.bin") for name in names)
        for prefix, plain, with_macros in _OOXML:
            if any(name.startswith(prefix) for name in names):
                return with_macros if macros else plain
    if any(name.upper() == "META-INF/MANIFEST.MF" for name in names):
        return "application/java-archive"
    return ZIP


def _text_type(head: bytes, filename: str) -> str | None:
    body = head.removeprefix(b"\xef\xbb\xbf")
    if any(byte in _BINARY_BYTES for byte in body):
        return None
    lowered = body.lower()
    start = lowered.lstrip(b" \t\r\n\x0c")
    if b"<svg" in lowered:
        return "image/svg+xml"
    for tag in _HTML_STARTS:
        if start.startswith(tag) and start[len(tag):len(tag) + 1] in (b" ", b">", b"\t", b"\n", b"\r", b"/"):
            return "text/html"
    if start.startswith(b"<!doctype html") or any(tag in lowered for tag in _ACTIVE_ANYWHERE):
        return "text/html"
    if start.startswith(b"<?xml"):
        return "application/xml"
    return "text/csv" if filename.lower().endswith(".csv") else "text/plain"


def extension_of(filename: str) -> str:
    """``.pdf`` for ``Report.PDF``; ``""`` without one."""
    stem, dot, ext = filename.rpartition(".")
    return f".{ext.lower()}" if dot and stem and ext and len(ext) <= 10 else ""


def name_for(filename: str, content_type: str) -> str | None:
    """The name to keep for a file of ``content_type``; ``None`` when its extension says otherwise."""
    allowed = EXTENSIONS.get(content_type)
    ext = extension_of(filename)
    if allowed is None:
        return filename
    if not ext:
        return filename + allowed[0]
    return filename if ext in allowed else None
