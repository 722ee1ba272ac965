"""Crediting orders and leads to creators: affiliate code, click id or utm_content, with the rule that
credited each one (see :mod:`influscope.attribution.credit` and docs/methodology.md)."""

from influscope.attribution.credit import RULES, credited_leads, credited_orders, lead_buckets, order_buckets

__all__ = ["RULES", "credited_leads", "credited_orders", "lead_buckets", "order_buckets"]
