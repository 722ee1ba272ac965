"""The canonical store: tables, engine and migrations."""
