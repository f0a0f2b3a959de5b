"""Fill the large organisation's database: 50,000 people and a million posts, to try the site at scale.

It uses the generator of the benchmarks (``benchmarks/generate.py`` of a
checkout of intranet-core: the same people, units, posts, audiences and
search documents the feed benchmark measures), on the database of the
site's own settings::

    INTRANET_CONFIG=/etc/intranet/intranet.toml python examples/large-organisation/generate_data.py
    python examples/large-organisation/generate_data.py -c intranet.toml --people 5000 --posts 100000

The database must be migrated (``intranet migrate``) and hold no people yet:
run it before ``intranet createuser``. Everyone it makes is in one
organisation (a head office with seven departments, one district per
thousand people, teams of about a hundred); ``bench@example.org`` signs in
with the password it prints. Two fills of one size are identical.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

GENERATOR = Path(__file__).resolve().parents[2] / "benchmarks" / "generate.py"
PEOPLE = 50_000
POSTS = 1_000_000


def load_generator(path: Path = GENERATOR) -> ModuleType:
    """``benchmarks/generate.py`` as a module (it is a script of the repository, not of the package)."""
    if not path.is_file():
        raise SystemExit(f"error: {path} not found: run this from a checkout of intranet-core")
    spec = importlib.util.spec_from_file_location("intranet_benchmarks_generate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


async def fill(intranet: Any, generate: ModuleType, people: int, posts: int) -> Any:
    from intranet_core.people.tables import Person

    await intranet.db.connect()
    try:
        pending = await intranet.db.pending_migrations()
        if pending:
            raise SystemExit(f"error: {len(pending)} migration(s) pending: run `intranet migrate` first")
        if await Person.count().run():
            raise SystemExit("error: the database holds people already; fill an empty, migrated one")
    finally:
        await intranet.db.close()
    plan = generate.Plan(people, posts)
    if intranet.db.is_sqlite:
        return await generate.fill_sqlite(str(intranet.db.sqlite_path), plan)
    return await generate.fill_postgres(intranet.db.url, plan)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", type=Path, default=None,
                        help="the site's settings (default: $INTRANET_CONFIG or ./intranet.toml)")
    parser.add_argument("--people", type=int, default=PEOPLE)
    parser.add_argument("--posts", type=int, default=POSTS)
    args = parser.parse_args(argv)

    from intranet_core.app import create_app
    from intranet_core.errors import ConfigError
    from intranet_core.settings import load_settings

    generate = load_generator()
    try:
        intranet = create_app(load_settings(args.config, require_file=args.config is not None)).state.intranet
    except ConfigError as exc:
        raise SystemExit(f"error: {exc}") from None
    started = time.perf_counter()
    report = asyncio.run(fill(intranet, generate, args.people, args.posts))
    print(f"{report.line()}; {time.perf_counter() - started:.1f} s in all")
    print(f"Sign in as {generate.BENCH_EMAIL} with the password {generate.BENCH_PASSWORD!r}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
