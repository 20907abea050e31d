from django import template
from django.utils.html import format_html

from fengqiao.org.permissions import SEE_FULL_PHONE
from fengqiao.privacy import display_phone, mask_phone

register = template.Library()


@register.simple_tag(takes_context=True)
def phone_of(context, person) -> str:
    """The person's phone, in full (and tappable to call) only for roles that need it."""
    user = context["request"].user
    if user.has_perm(SEE_FULL_PHONE) and person.phone:
        return format_html('<a href="tel:{}">{}</a>', person.phone, display_phone(person.phone))
    return mask_phone(person.phone)


@register.filter
def names(people) -> str:
    return "、".join(person.name for person in people) if people else "—"


@register.filter
def published_phone(phone: str) -> str:
    """A number its owner chose to publish (``Person.public_phone``): public, so in full."""
    return display_phone(phone)
