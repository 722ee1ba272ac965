"""ingest/exports"""
