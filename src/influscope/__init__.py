"""influscope: open-source influencer-marketing measurement."""

__version__ = "0.1.0"


def __getattr__(name):
    # The Python API is imported lazily so that `import influscope` stays light.
    if name == "kpis":
        from influscope.kpi.api import kpis

        return kpis
    raise AttributeError(name)
