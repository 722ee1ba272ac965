"""Alembic environment: runs against the engine handed over by influscope.db.engine."""

from alembic import context

from influscope.db.schema import load

target_metadata = load()
config = context.config


def run() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from influscope.db.engine import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
