"""Small but valid files of each type the uploads service knows, built byte by byte (no fixtures on disk)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from intranet_core.uploads import sniff


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int = 2, height: int = 2, seed: int = 0) -> bytes:
    """An RGB PNG; ``seed`` changes the pixels (and so the bytes)."""
    rows = b"".join(b"\x00" + bytes((seed + x + y) % 256 for x in range(width * 3)) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows))
            + _chunk(b"IEND", b""))


def jpeg() -> bytes:
    """A 1x1 grey baseline JPEG: one quantisation table, one DC and one AC Huffman code."""
    segments = [
        b"\xff\xd8",  # SOI
        b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00",
        b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([1] * 64),  # DQT
        b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 1, 1, 1) + b"\x01\x11\x00",  # SOF0, 1x1, 1 component
        # DHT: DC table 0 with one code of length 1 for category 0; AC table 0 with one code for EOB.
        b"\xff\xc4" + struct.pack(">H", 20) + b"\x00" + bytes([1] + [0] * 15) + b"\x00",
        b"\xff\xc4" + struct.pack(">H", 20) + b"\x10" + bytes([1] + [0] * 15) + b"\x00",
        b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00\x00\x3f\x00",  # SOS
        b"\x3f",  # DC diff 0, then EOB: bits 00, padded with ones
        b"\xff\xd9",  # EOI
    ]
    return b"".join(segments)


def gif() -> bytes:
    """A 1x1 GIF89a."""
    return (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
            b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b")


def pdf(text: str = "Hello") -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    content = f"BT /F1 12 Tf 20 20 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _zip(entries: list[tuple[str, str | bytes]], *, stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries):
            method = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method)
    return out.getvalue()


_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                  'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         '2006/relationships"/>')


def docx() -> bytes:
    return _zip([("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS),
                 ("word/document.xml", '<w:document xmlns:w="http://schemas.openxmlformats.org/'
                                       'wordprocessingml/2006/main"><w:body/></w:document>')])


def docm() -> bytes:
    return _zip([("[Content_Types].xml", _CONTENT_TYPES), ("word/document.xml", "<w:document/>"),
                 ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")])


def xlsx() -> bytes:
    return _zip([("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS),
                 ("xl/workbook.xml", "<workbook/>")])


def pptx() -> bytes:
    return _zip([("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS),
                 ("ppt/presentation.xml", "<presentation/>")])


def odt() -> bytes:
    return _zip([("mimetype", sniff.ODT), ("content.xml", "<office:document-content/>"),
                 ("META-INF/manifest.xml", "<manifest/>")], stored_first=True)


def plain_zip() -> bytes:
    return _zip([("notes/readme.txt", "hello"), ("notes/list.csv", "a,b\n1,2\n")])


HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b"<script>alert(1)</script><rect width='10' height='10'/></svg>\n")
TEXT = "Referat fra mødet\nPunkt 1: ørred og ål\n".encode()
CSV = b"name;phone\nAnna;12345678\nBo;87654321\n"


def stored(data: bytes, content_type: str, max_side: int = 2560) -> bytes:
    """What the uploads service keeps of ``data``: pictures are written anew (without metadata), the rest as is."""
    import tempfile
    from pathlib import Path

    from intranet_core.uploads.service import CLEANED_IMAGE_TYPES, _clean_image

    if content_type not in CLEANED_IMAGE_TYPES:
        return data
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "picture"
        path.write_bytes(data)
        _clean_image(path, content_type, max_side)
        return path.read_bytes()


def pixels(data: bytes) -> tuple[str, tuple[int, int], bytes]:
    """A picture's mode, size and pixels (what a re-encoding of a lossless format keeps)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.mode, image.size, image.tobytes()
