"""ingest/connectors"""
