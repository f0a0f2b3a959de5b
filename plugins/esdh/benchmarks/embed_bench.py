"""How long a feed page with live embeds takes, warm, cold, and with a source that hangs.

    python plugins/esdh/benchmarks/embed_bench.py [--posts 20] [--rounds 20]

Builds a site on a throw-away SQLite file, a real WebDAV server and the
WorkZone-style OData server from the tests, publishes ``--posts`` posts each
embedding a WebDAV document and a WorkZone case, and times ``GET /`` as a
member (in process, through ASGI):

- warm: every answer in the cache;
- cold: the cache emptied before each request (every source asked, all at once);
- hanging: WorkZone answers after 5 s; the page shows the last known data and
  should take about ``embed_timeout_seconds`` at most.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))


async def main(posts: int, rounds: int) -> None:
    import os

    import intranet_esdh.plugin
    from conftest import DAV_PASSWORD_ENV, WZ_SECRET_ENV, make_share, webdav_source, workzone_source
    from esdh_servers import SECRET, ODataServer, ODataState, WebDAVServer, demo_workzone
    from intranet_esdh.embeds import reference_for, snippet
    from intranet_esdh.sources import sources_of

    from intranet_core.feed import service
    from intranet_core.testing import build_app, client_for, make_settings, sign_in

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        webdav = WebDAVServer(make_share(root / "dav"))
        state = ODataState()
        demo_workzone(state)
        odata = ODataServer(state)
        os.environ[DAV_PASSWORD_ENV] = WebDAVServer.PASSWORD
        os.environ[WZ_SECRET_ENV] = SECRET
        webdav.start()
        odata.start()
        try:
            settings = make_settings(f"sqlite:///{root / 'bench.sqlite3'}", site={"default_language": "en"},
                                     plugins={"esdh": {"embed_timeout_seconds": 1.0, "sources": {
                                         "docs": webdav_source(webdav), "wz": workzone_source(odata)}}})
            app = await build_app(settings, [("esdh", intranet_esdh.plugin)])
            intranet = app.state.intranet
            async with client_for(app) as client:
                member = await sign_in(client, app, "member@example.org", name="Member")
                doc = snippet(await reference_for(intranet, "docs", "/Guides/Ferieplan 2027.docx"))
                case = snippet(await reference_for(intranet, "wz", "file:67453"))
                for number in range(posts):
                    await service.create_post(intranet, author_id=member.id, title=f"Post {number}",
                                              body=f"Dokumenter:\n\n{doc}\n\n{case}", audience=["all"])
                cache = sources_of(intranet).cache

                async def timed(prepare: object = None) -> list[float]:
                    times = []
                    for _ in range(rounds):
                        if prepare == "cold":
                            cache.entries.clear()
                        started = time.perf_counter()
                        response = await client.get("/", headers={"accept": "text/html"})
                        times.append((time.perf_counter() - started) * 1000)
                        assert response.status_code == 200
                    return times

                await timed()
                report = {"warm": await timed(), "cold": await timed("cold")}
                state.delay = 5.0
                for key in list(cache.entries):
                    value, at, wall = cache.entries[key]
                    cache.entries[key] = (value, at - 3600, wall - 3600)
                report["hanging source"] = await timed()
                state.delay = 0.0
                await cache.close()
        finally:
            webdav.stop()
            odata.stop()
    print(f"feed page with {posts} posts, 2 embeds each ({rounds} requests each, ms):")
    for name, times in report.items():
        print(f"  {name:15s} median {statistics.median(times):7.1f}   max {max(times):7.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.posts, arguments.rounds))
