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
        if connection.dialect.name == "sqlite":
            # a batch operation rebuilds a table under a temporary name and renames it back: without
            # the legacy rename, SQLite refuses while another table's trigger names the table being
            # rebuilt (influscope.attribution.carried; its triggers are made again after an upgrade)
            connection.exec_driver_sql("PRAGMA legacy_alter_table = ON")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA legacy_alter_table = OFF")


run()
