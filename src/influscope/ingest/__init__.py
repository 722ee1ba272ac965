"""Adapters: every source of records, converted into the canonical store."""
