"""ingest/commerce"""
