"""The library of typical cases (典型案例): writes and reads.

A mediator (or the judicial office, or a chief) chooses a closed case for the library. The
service drafts an anonymised account (party names as 王某, numbers and house numbers
removed) that the chooser edits before saving; the saved text is checked again for the
parties' names and personal numbers. The library is shared county-wide: everyone who works
cases in the county reads it, while the case itself stays in its jurisdiction (an entry never
links to the case for a reader who cannot see it).
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao import taxonomy
from fengqiao.audit import services as audit
from fengqiao.disputes import services
from fengqiao.disputes.models import Case, TypicalCase
from fengqiao.org.scope import in_scope, person_of, scope_for
from fengqiao.places.models import PATH_SEPARATOR, Region
from fengqiao.privacy import hide_numbers

VIEW_TYPICAL = "disputes.view_typicalcase"
CHOOSE_TYPICAL = "disputes.add_typicalcase"
# How many similar entries the case page shows, and how many candidates it scores.
SIMILAR_SHOWN = 3
SIMILAR_CANDIDATES = 200

# Numbers that point at a place or a person: 12号, 3幢, 2单元, 302室, 5楼 ...
_HOUSE_NUMBER = re.compile(
    r"[0-9０-９一二三四五六七八九十百零]+\s*(号楼|号|幢|栋|单元|室|弄|楼|层|组|户)"
)
_LONG_DIGITS = re.compile(r"\d{3,}")


# --- drafting --------------------------------------------------------------------------


def anonymise(text: str, names: list[str]) -> str:
    """``text`` told without names, numbers or house numbers: each person's name as its
    surname and 某 (王某), an organisation's as 某单位, personal numbers and house numbers
    removed, any other run of three or more digits as **."""
    if not text:
        return ""
    for name in sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True):
        text = text.replace(name, _pseudonym(name))
    text = hide_numbers(text, mark="**")
    text = _HOUSE_NUMBER.sub(lambda m: "某" + m.group(1), text)
    return _LONG_DIGITS.sub("**", text)


# The entry's words are stored, in the record's language, whatever language the chooser's
# page is in: the pseudonyms and headings below are not translated.


def _pseudonym(name: str) -> str:
    if len(name) > 4 or any(word in name for word in ("公司", "厂", "店", "中心", "委员会")):
        return "某单位"
    # Compound surnames are rare enough: the first character is the surname.
    return name[0] + "某"


def _names_on(case: Case) -> list[str]:
    names = [party.name for party in case.parties.all()]
    names += [party.representative for party in case.parties.all() if party.representative]
    return [n for n in names if n]


def draft_for(case: Case) -> dict:
    """A first draft of the library entry for ``case``, for the chooser to edit: title,
    category, summary (what happened, what was asked), method (how it was settled, from
    the timeline's notes) and keywords."""
    names = _names_on(case)
    story = case.narrative
    if case.request:
        story += "\n当事人诉求：" + case.request
    settled = [
        event.note
        for event in case.events.filter(
            kind__in=("reach_agreement", "close", "verify", "fail_mediation")
        ).order_by("at", "pk")
        if event.note
    ]
    return {
        "title": anonymise(case.title, names)[:120],
        "category": case.category,
        "summary": anonymise(story, names),
        "method": anonymise("\n".join(settled), names),
        "keywords": " ".join(_suggested_keywords(case)),
    }


def _suggested_keywords(case: Case) -> list[str]:
    import jieba.analyse

    text = f"{case.title} {case.narrative}"
    words = [taxonomy.label("category", case.category)]
    words += [w for w in jieba.analyse.extract_tags(text, topK=6) if not w.isdigit()]
    return list(dict.fromkeys(words))[:6]


# --- the write -------------------------------------------------------------------------


def choose_typical(
    *,
    case: Case,
    actor,
    title: str,
    summary: str,
    method: str = "",
    keywords: str = "",
    category: str | None = None,
) -> TypicalCase:
    """Put the closed ``case`` in its county's library, told as the chooser edited it.

    Refused unless the actor may choose (``disputes.add_typicalcase``) and sees the case,
    the case is closed and not in the library yet, and the text names no party and shows
    no personal number.
    """
    refused = _("您没有推选这个案件为典型案例的权限")
    if actor is None or not actor.has_perm(CHOOSE_TYPICAL) or not in_scope(actor, case):
        raise PermissionDenied(refused)
    category = category or case.category
    errors: dict[str, str] = {}
    if case.state != "closed":
        errors["title"] = _("只有已结案的案件可以推选为典型案例")
    if not title.strip():
        errors["title"] = _("请填写标题")
    if not summary.strip():
        errors["summary"] = _("请填写基本案情")
    if category not in taxonomy.codes("category"):
        errors["category"] = _("请选择纠纷类别")
    names = _names_on(case)
    for field, text in (("title", title), ("summary", summary), ("method", method)):
        leaked = [name for name in names if len(name) >= 2 and name in text]
        if leaked:
            errors[field] = _("仍含当事人姓名或名称（%(names)s），请改为“某某”") % {
                "names": "、".join(leaked)
            }
        elif hide_numbers(text) != text:
            errors[field] = _("仍含电话或身份证号码，请删去")
    if errors:
        raise ValidationError(errors)
    keywords = " ".join(dict.fromkeys(re.split(r"[\s,，、;；]+", keywords.strip()))).strip()
    county = Region.objects.get(code=services.county_code_of(case.grid))
    entry = TypicalCase(
        case=case,
        title=title.strip()[:120],
        category=category,
        summary=summary.strip(),
        method=method.strip(),
        keywords=keywords[:200],
        chosen_by=person_of(actor),
        chosen_at=timezone.now(),
        county=county,
    )
    entry.full_clean(exclude=["case", "county", "chosen_by"])
    try:
        with transaction.atomic():
            entry.save()
            services.append_event(
                case, actor, "typical_chosen", payload={"typical": entry.pk, "title": entry.title}
            )
            audit.record(
                actor=actor,
                action="disputes.typical_chosen",
                obj=entry,
                changes={"case": case.reference, "title": entry.title},
            )
    except IntegrityError:
        # Two choosers at once: the one-to-one keeps the first.
        raise ValidationError({"title": _("这个案件已经在典型案例库中")}) from None
    return entry


# --- reads -----------------------------------------------------------------------------


def _county_condition(user) -> Q:
    """The counties whose libraries ``user`` reads: those on the way up from each place of
    their jurisdiction, and every county inside it (a city bureau reads all of its own)."""
    scope = scope_for(user)
    if scope.everything:
        return Q()
    condition = Q(pk__in=[])
    codes: set[str] = set()
    for path in scope.region_paths:
        condition |= Q(county__path__startswith=path)
        codes.update(code for code in path.split(PATH_SEPARATOR) if code)
    if codes:
        condition |= Q(county__code__in=codes)
    return condition


def library_for(user, *, q: str = "", category: str = "") -> QuerySet[TypicalCase]:
    """The typical cases of the user's county, newest first, filtered by category and by
    words in the title, keywords or summary. Empty without ``disputes.view_typicalcase``."""
    if not user.has_perm(VIEW_TYPICAL):
        return TypicalCase.objects.none()
    entries = TypicalCase.objects.filter(_county_condition(user)).select_related("county")
    if category:
        entries = entries.filter(category=category)
    for word in q.split()[:5]:
        entries = entries.filter(
            Q(title__icontains=word) | Q(keywords__icontains=word) | Q(summary__icontains=word)
        )
    return entries


def get_typical_for(user, pk) -> TypicalCase:
    """One entry of the user's county library, else 404."""
    try:
        return library_for(user).select_related("chosen_by").get(pk=pk)
    except (TypicalCase.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def case_link_for(user, entry: TypicalCase) -> str | None:
    """The original case's reference, only for a reader whose jurisdiction holds it."""
    case = Case.objects.for_user(user).filter(pk=entry.case_id).values_list("reference", flat=True)
    return case.first()


def _bigrams(text: str) -> set[str]:
    chars = re.sub(r"[\W\d_]+", "", text)
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def similar_to(user, case: Case, *, limit: int = SIMILAR_SHOWN) -> list[TypicalCase]:
    """Library entries like ``case``: same category, keywords the case's text contains, and
    shared pairs of characters between the texts, best first (the case's own entry left
    out). Scored in Python over the newest few hundred candidates of the county."""
    text = f"{case.title} {case.narrative} {case.request}"
    grams = _bigrams(text)
    candidates = (
        library_for(user)
        .exclude(case_id=case.pk)
        .select_related(None)
        .only("pk", "title", "category", "keywords", "summary")[:SIMILAR_CANDIDATES]
    )
    scored = []
    for entry in candidates:
        hits = sum(1 for word in entry.keywords.split() if len(word) >= 2 and word in text)
        overlap = len(grams & _bigrams(f"{entry.title} {entry.summary}"))
        score = (5 if entry.category == case.category else 0) + 3 * hits + overlap / 4
        if hits or overlap >= 4 or entry.category == case.category:
            scored.append((score, entry.pk, entry))
    scored.sort(key=lambda row: (-row[0], -row[1]))
    return [entry for _score, _pk, entry in scored[:limit]]


def entry_of(case: Case) -> TypicalCase | None:
    """The case's own library entry, if it was chosen."""
    return TypicalCase.objects.filter(case_id=case.pk).first()


def may_choose(user, case: Case) -> bool:
    """Whether the case page offers "推选为典型案例" to ``user``."""
    return (
        case.state == "closed"
        and user.has_perm(CHOOSE_TYPICAL)
        and in_scope(user, case)
        and not TypicalCase.objects.filter(case_id=case.pk).exists()
    )
