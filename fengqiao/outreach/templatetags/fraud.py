"""Amounts on the anti-fraud pages: yuan, thousands grouped, two decimals."""

from django import template

from fengqiao.outreach.fraud_rules import yuan as _yuan

register = template.Library()


@register.filter
def yuan(amount) -> str:
    """``35000`` → ``35,000.00``."""
    return _yuan(amount)
