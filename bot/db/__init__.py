"""Storage: models, engines and migrations (SQLite by default, PostgreSQL in production).

- bot.db.models: the tables; bot.db.enums: their vocabularies; bot.db.types: UTCDateTime, JSON.
- bot.db.engine: make_engine(url), make_session_factory(engine).
- bot.db.migrate: upgrade(url), current_revision(url), head_revision(), pending_changes(url).

Importing the package itself loads nothing, so `bot.db.enums` (plain vocabulary) can be
used by the pure matching engine without pulling in SQLAlchemy.
"""
