"""Alembic environment: runs on the connection the platform hands over, or on a URL."""

from alembic import context
from sqlalchemy import create_engine

from vlad.server.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from vlad.server.settings import get_settings

        url = get_settings().sqlalchemy_url
    with create_engine(url).connect() as conn:
        _migrate(conn)
        conn.commit()


def _migrate(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
