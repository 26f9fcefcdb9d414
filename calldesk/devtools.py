"""Developer tools for the schema.

``python -m calldesk.devtools regen``  rewrite the working migration (0002) from the models:
0001 is frozen (stores in the field and the test fixture are at it); every schema change made
before the next release goes into 0002, regenerated whole from the difference.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

from calldesk import paths
from calldesk.store import make_engine

WORKING_REVISION = "0002"
FROZEN_BASE = "0001"


def autogenerate(message: str, rev_id: str, base: str = "head") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'gen.sqlite3'}")
        config = Config()
        config.set_main_option("script_location", str(paths.migrations_dir()))
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, base)
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
        engine.dispose()


def regen() -> None:
    versions = paths.migrations_dir() / "versions"
    for old in versions.glob(f"{WORKING_REVISION}_*.py"):
        old.unlink()
    autogenerate("schema changes since 0001", WORKING_REVISION, base=FROZEN_BASE)
    # Generated, but committed source all the same: keep it as tidy as the rest.
    for new in versions.glob(f"{WORKING_REVISION}_*.py"):
        subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(new)], check=False)


if __name__ == "__main__":
    if sys.argv[1:] == ["regen"]:
        regen()
    else:
        sys.exit("usage: python -m calldesk.devtools regen")
