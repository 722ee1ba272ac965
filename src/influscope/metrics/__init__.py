"""The metric layer's ingest-time derivations and policies.

What is inherently sequential is kept when records are written, so that reading KPIs is a grouped
query: :mod:`influscope.metrics.unique_windows` flags each click that opens a unique-click window.
Every derivation can be rebuilt from the raw records (``influscope db rebuild``).
"""
