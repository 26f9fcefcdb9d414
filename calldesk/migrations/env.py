"""Alembic environment: always run with a connection handed in by calldesk.store."""

from alembic import context

from calldesk.models import Base, postgresql_predicates

connection = context.config.attributes["connection"]
if connection.dialect.name == "postgresql":
    postgresql_predicates()
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
