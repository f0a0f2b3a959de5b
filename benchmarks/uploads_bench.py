"""Uploads: how fast files are stored (copied, hashed, sniffed) and served, in one process.

    .venv/bin/python benchmarks/uploads_bench.py [--runs 5]

In a temporary directory (SQLite) it stores files of 100 kB, 5 MiB and
20 MiB through ``store_upload`` (from a spooled temporary file, as Litestar
hands them over), and a 12-megapixel phone photo (JPEG with EXIF, written
anew without it and scaled to 2560 pixels), then serves a 1 MB attachment of a post through the real
route (``GET /posts/<id>/files/<id>``, authorisation query included) with
an in-process HTTP client. Prints the median and best of ``--runs``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from litestar.datastructures import UploadFile

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import upload_samples as samples

from intranet_core.feed import attachments
from intranet_core.feed import service as feed
from intranet_core.testing import build_app, client_for, make_settings, sign_in
from intranet_core.uploads import service as uploads

MIB = 1024 * 1024


def spooled(name: str, data: bytes) -> UploadFile:
    upload = UploadFile(content_type="application/octet-stream", filename=name)
    upload.file.write(data)
    upload.file.seek(0)
    return upload


def phone_photo(seed: int) -> bytes:
    """A 4032 x 3024 JPEG with a GPS position in its EXIF, of noise and gradients (so it compresses like a photo)."""
    import io
    import random

    from PIL import Image

    rng = random.Random(seed)  # noqa: S311 - pixels, not secrets
    small = Image.frombytes("RGB", (504, 378), bytes(rng.randrange(256) for _ in range(504 * 378 * 3)))
    image = small.resize((4032, 3024), Image.Resampling.BILINEAR)
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (56.0, 9.0, 30.0), 3: "E", 4: (10.0, 12.0, 5.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92, exif=exif)
    return out.getvalue()


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(f"sqlite:///{tmp}/bench.sqlite3",
                                 uploads={"directory": f"{tmp}/uploads", "max_bytes": 21 * MIB},
                                 usage={"enabled": False})
        app = await build_app(settings)
        intranet = app.state.intranet
        async with client_for(app) as client:
            person = await sign_in(client, app, "bench@example.org", roles=[("admin", None)])
            print(f"{'file':>10} {'median ms':>10} {'best ms':>9} {'MB/s':>7}")
            for label, size in (("100 kB", 100_000), ("5 MiB", 5 * MIB), ("20 MiB", 20 * MIB)):
                timings = []
                for run in range(runs):
                    # Different bytes each run: every run stores a new file.
                    data = samples.pdf(f"run {run}") + b"%" * (size - 400)
                    upload = spooled(f"{label}-{run}.pdf", data)
                    start = time.perf_counter()
                    await uploads.store_upload(intranet, upload, uploader_id=person.id)
                    timings.append(time.perf_counter() - start)
                median = statistics.median(timings)
                print(f"{label:>10} {median * 1000:>10.1f} {min(timings) * 1000:>9.1f} {size / MIB / median:>7.0f}")

            timings = []
            for run in range(runs):
                photo = phone_photo(run)
                start = time.perf_counter()
                await uploads.store_upload(intranet, spooled(f"photo-{run}.jpg", photo), uploader_id=person.id)
                timings.append(time.perf_counter() - start)
            median = statistics.median(timings)
            print(f"{'photo':>10} {median * 1000:>10.1f} {min(timings) * 1000:>9.1f} "
                  f"{len(photo) / MIB / median:>7.0f}   (4032x3024 JPEG, {len(photo) / MIB:.1f} MiB)")

            prepared = await uploads.prepare_upload(intranet, spooled("served.pdf", samples.pdf() + b"%" * 1_000_000))
            post_id = await feed.create_post(
                intranet, author_id=person.id, title="Bench", body="x", audience=["all"], announce=False,
                attachments=[attachments.NewAttachment(kind="file", prepared=prepared)])
            [item] = (await attachments.attachments_of([post_id]))[post_id]
            requests = 200
            rates = []
            for _run in range(runs):
                start = time.perf_counter()
                for _ in range(requests):
                    answer = await client.get(item.url, headers={"accept": "text/html"})
                    assert answer.status_code == 200 and len(answer.content) == item.upload.size
                rates.append(requests / (time.perf_counter() - start))
            print(f"GET {item.url} (1 MB, in-process): median {statistics.median(rates):.0f} requests/s, "
                  f"best {max(rates):.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
