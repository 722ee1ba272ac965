"""The ClickHouse event store (``INFLUSCOPE_EVENTS_URL``): where events live when they outgrow the
operational database, how they are written there and how the KPI engine reads them
(docs/scale.md)."""
