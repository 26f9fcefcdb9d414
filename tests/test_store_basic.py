import pytest
from sqlalchemy import create_engine, exc, select, text

from calldesk import store as store_module
from calldesk.models import Campaign, Disposition
from calldesk.store import Store


def test_new_store_has_defaults(store: Store) -> None:
    with store.session() as session:
        codes = set(session.scalars(select(Disposition.code)))
        default = session.scalar(select(Campaign).where(Campaign.is_default))
    assert {"no_answer", "busy", "voicemail", "do_not_call", "qualified"} <= codes
    assert default is not None and default.active


def _kill_pooled_connection(store: Store) -> None:
    """Close the pooled connection's server session from outside (as a restart would)."""
    with store.session() as session:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    killer = create_engine(store.url)
    with killer.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
    killer.dispose()


@pytest.mark.postgres
def test_an_idle_connection_the_server_closed_is_replaced(
    pg_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Taken back at once, a pooled connection is not pinged (a claim's round trip saved):
    # one the server closed meanwhile fails that one statement...
    monkeypatch.setattr(store_module, "PING_AFTER_IDLE_SECONDS", 3600.0)
    _kill_pooled_connection(pg_store)
    with pytest.raises(exc.OperationalError), pg_store.session() as session:
        session.execute(text("SELECT 1"))
    # ...while one that sat idle is pinged first and replaced when the server closed it.
    monkeypatch.setattr(store_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    _kill_pooled_connection(pg_store)
    with pg_store.write() as session:
        session.add(Campaign(name="After the restart"))
    with pg_store.session() as session:
        assert session.scalar(select(Campaign.name).where(Campaign.name == "After the restart"))
