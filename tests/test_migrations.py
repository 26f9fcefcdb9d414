"""Every migration runs from empty on SQLite and PostgreSQL and ends equal to the models;
old stores are backed up and upgraded; stores from a newer calldesk are refused untouched."""

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text

from calldesk import paths
from calldesk.models import Base, Contact, Phone
from calldesk.store import NewerStoreError, head_revision, make_engine, migrate, open_store

FIXTURE = Path(__file__).parent / "fixtures" / "store-0001.sqlite3"


def _diff(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_migrations_from_empty_match_models(backend, request) -> None:
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    engine = make_engine(url)
    migrate(engine)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
    engine.dispose()
    assert _diff(url) == []


def test_old_store_is_backed_up_then_upgraded(tmp_path) -> None:
    db = tmp_path / "old.sqlite3"
    shutil.copy(FIXTURE, db)
    store = open_store(f"sqlite:///{db}")
    try:
        assert store.revision() == head_revision()
        with store.session() as session:
            contact = session.scalar(select(Contact).where(Contact.last_name == "Lopez"))
            assert contact is not None
            assert session.scalar(select(Phone.e164).where(Phone.contact_id == contact.id)) == (
                "+13125550142"
            )
    finally:
        store.close()
    backups = list(paths.backups_dir().glob("old-0001-*.sqlite3"))
    if head_revision() != "0001":
        assert len(backups) == 1
        with sqlite3.connect(backups[0]) as conn:
            assert conn.execute("select version_num from alembic_version").fetchone() == ("0001",)
            assert conn.execute("select count(*) from contacts").fetchone() == (1,)
    assert _diff(f"sqlite:///{db}") == []


def test_store_from_newer_calldesk_is_refused_untouched(tmp_path) -> None:
    db = tmp_path / "future.sqlite3"
    shutil.copy(FIXTURE, db)
    with sqlite3.connect(db) as conn:
        conn.execute("update alembic_version set version_num = '9999_from_the_future'")
    with pytest.raises(NewerStoreError, match="newer calldesk"):
        open_store(f"sqlite:///{db}")
    with sqlite3.connect(db) as conn:
        assert conn.execute("select version_num from alembic_version").fetchone() == (
            "9999_from_the_future",
        )
        assert conn.execute("select count(*) from contacts").fetchone() == (1,)
    assert list(paths.backups_dir().glob("future-*")) == []


def test_sqlite_store_uses_wal_and_foreign_keys(sqlite_store) -> None:
    with sqlite_store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_revision_files_agree_with_alembic_history() -> None:
    """Opening an up-to-date store skips Alembic, reading revisions from file names: the
    names must describe the same single, linear history Alembic sees."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from calldesk.store import known_revisions

    config = Config()
    config.set_main_option("script_location", str(paths.migrations_dir()))
    script = ScriptDirectory.from_config(config)
    assert script.get_heads() == [head_revision()]
    history = [rev.revision for rev in script.walk_revisions()][::-1]
    assert history == known_revisions()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_queue_ranks_are_recomputed_when_engagement_moves_before_the_deadline(
    backend, request
) -> None:
    """0005: ranks stored with the old layout (deadline before engagement) are rewritten."""
    import datetime as dt

    from sqlalchemy import text

    from calldesk.campaigns import queue_rank
    from calldesk.models import Campaign

    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    engine = make_engine(url)
    try:
        migrate(engine, "0004_importer")
        with engine.begin() as conn:  # the models' own defaults fill the other columns
            conn.execute(
                Campaign.__table__.insert(),
                {"id": 7, "name": "Expo", "kind": "event_sprint", "priority": 2,
                 "deadline": dt.date(2026, 12, 4)},
            )  # fmt: skip
            conn.execute(
                Contact.__table__.insert(),
                [
                    # hot, in a sprint with a deadline
                    {"id": 1, "tier": 1, "campaign_id": 7, "priority": 2, "engagement": 65},
                    # a sprint contact without a campaign row: deadline last
                    {"id": 2, "tier": 1, "campaign_id": None, "priority": 0, "engagement": 5},
                    # a list contact
                    {"id": 3, "tier": 2, "campaign_id": None, "priority": 0, "engagement": 0},
                ],
            )
        migrate(engine)
        with engine.connect() as conn:
            ranks = dict(conn.execute(text("SELECT id, queue_rank FROM contacts")).all())
    finally:
        engine.dispose()
    assert ranks == {
        1: queue_rank(1, 2, 65, dt.date(2026, 12, 4)),
        2: queue_rank(1, 0, 5, None),
        3: queue_rank(2, 0, 0),
    }


def test_lookups_of_given_grades_use_the_partial_grade_index(store) -> None:
    """0007 left ungraded contacts out of ix_contacts_grade_stage: the look-ups it serves
    (the export's "grade IN (...)") still find it, their condition implying its predicate."""
    statement = (
        select(func.count())
        .select_from(Contact)
        .where(Contact.grade.in_(["A", "B"]), Contact.dnc.is_(False))
    )
    with store.session() as session:
        sql = str(
            statement.compile(
                dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
            )
        )
        if store.engine.dialect.name == "sqlite":
            made = session.scalar(
                text("SELECT sql FROM sqlite_master WHERE name = 'ix_contacts_grade_stage'")
            )
            plan = " ".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
        else:
            made = session.scalar(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_contacts_grade_stage'")
            )
            session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(row[0] for row in session.execute(text(f"EXPLAIN {sql}")))
    assert made.replace("(", "").replace(")", "").endswith("WHERE grade IS NOT NULL")
    assert "ix_contacts_grade_stage" in plan


@pytest.mark.parametrize("analyzed", [True, False])
def test_0007_keeps_the_grade_index_statistics_a_store_had(tmp_path: Path, analyzed: bool) -> None:
    """SQLite drops an index's planner statistics with it: 0007 gathers the new index's when
    the store had them for the old one, and creates none where there were none."""
    url = f"sqlite:///{tmp_path / 'stats.sqlite3'}"
    engine = make_engine(url)
    migrate(engine, "0006_attempt_indexes")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO contacts (first_name, stage, attempts, priority, tier, callable, dnc, "
            "engagement, queue_rank, grade, created_at, updated_at) VALUES "
            "('Ann', 'new', 0, 0, 'B', 1, 0, 0, 0, 'A', '2026-01-05', '2026-01-05'), "
            "('Bo', 'new', 0, 0, 'B', 1, 0, 0, 0, NULL, '2026-01-05', '2026-01-05')"
        )
        if analyzed:
            conn.exec_driver_sql("ANALYZE")
    migrate(engine)
    with engine.connect() as conn:
        tables = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).all()
        stats = (
            conn.exec_driver_sql(
                "SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_contacts_grade_stage'"
            ).all()
            if tables
            else []
        )
    engine.dispose()
    assert bool(tables) == analyzed
    assert stats == ([("1 1 1",)] if analyzed else [])  # the graded contact only
