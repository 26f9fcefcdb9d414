"""Alembic migrations, shipped inside the package and run when a store is opened."""
