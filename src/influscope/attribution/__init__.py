"""Crediting orders and leads to creators: affiliate code, click id or utm_content, with the rule that
credited each one (see :mod:`influscope.attribution.credit` and docs/methodology.md)."""

from influscope.attribution.credit import RULES, Directory, credited_leads, credited_orders

__all__ = ["RULES", "Directory", "credited_leads", "credited_orders"]
