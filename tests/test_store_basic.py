from sqlalchemy import select

from calldesk.models import Campaign, Disposition
from calldesk.store import Store


def test_new_store_has_defaults(store: Store) -> None:
    with store.session() as session:
        codes = set(session.scalars(select(Disposition.code)))
        default = session.scalar(select(Campaign).where(Campaign.is_default))
    assert {"no_answer", "busy", "voicemail", "do_not_call", "qualified"} <= codes
    assert default is not None and default.active
