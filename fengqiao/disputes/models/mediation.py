"""Mediation records: sessions, agreements, signatures, terms, judicial confirmation, return
visits. Written only by ``disputes.mediation``; each row reaches its jurisdiction through
its case."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao.disputes.models.cases import Case, Party
from fengqiao.org.models import Person
from fengqiao.scoping import ScopedManager


class MediationSession(models.Model):
    """One mediation session: when, where, who mediated, who attended, what was said, how
    it ended. A failed session carries its reason (People's Mediation Law art. 26)."""

    class Outcome(models.TextChoices):
        SETTLED = "settled", _("达成一致")
        CONTINUED = "continued", _("继续调解")
        FAILED = "failed", _("调解不成")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="sessions")
    held_at = models.DateTimeField(_("调解时间"))
    place = models.CharField(_("调解地点"), max_length=200)
    mediators = models.ManyToManyField(
        Person, verbose_name=_("调解员"), related_name="mediation_sessions"
    )
    attendees = models.TextField(_("参加人员"), blank=True)
    record = models.TextField(_("调解记录"))
    outcome = models.CharField(_("调解结果"), max_length=16, choices=Outcome.choices)
    failure_reason = models.TextField(_("调解不成的原因"), blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope_region_path = "case__scope_path"

    class Meta:
        ordering = ["case", "held_at", "id"]
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="failed") | ~Q(failure_reason=""),
                name="failed_session_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} {self.held_at:%Y-%m-%d}"


class Agreement(models.Model):
    """A people's-mediation agreement (arts. 28–30): written, or oral with its content recorded.

    It takes effect (``effective_on``) when every party and a mediator have signed and the
    committee's seal is on it; an oral agreement on the day it is reached. A case usually has
    one; after a relapse a new mediation may reach another, so at most one is pending at a time.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="agreements")
    number = models.CharField(_("协议编号"), max_length=40, unique=True)
    committee = models.CharField(_("人民调解委员会"), max_length=120, blank=True)
    oral = models.BooleanField(_("口头协议"), default=False)
    facts = models.TextField(_("纠纷主要事实"), blank=True)
    issues = models.TextField(_("争议事项"), blank=True)
    responsibility = models.TextField(_("各方责任"), blank=True)
    breach_clause = models.TextField(_("违约责任"), blank=True)
    seal_applied = models.BooleanField(_("已加盖调委会印章"), default=False)
    sealed_on = models.DateField(_("盖章日期"), null=True, blank=True)
    effective_on = models.DateField(_("生效日期"), null=True, blank=True)
    # The parties bound by and signing this agreement (all of the case's when drafted,
    # unless the drafter names fewer).
    parties = models.ManyToManyField(
        Party, verbose_name=_("协议当事人"), related_name="agreements", blank=True
    )
    # A party's recorded refusal to sign ends the agreement: it never takes effect, and a
    # new one may be drafted.
    refused_on = models.DateField(_("拒签日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope_region_path = "case__scope_path"

    class Meta:
        ordering = ["case", "created_at", "id"]
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(effective_on__isnull=True, refused_on__isnull=True),
                name="one_pending_agreement_per_case",
            ),
            models.CheckConstraint(
                condition=Q(effective_on__isnull=True) | Q(refused_on__isnull=True),
                name="agreement_effective_or_refused",
            ),
            models.CheckConstraint(
                condition=Q(seal_applied=False) | Q(sealed_on__isnull=False),
                name="seal_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def copies(self) -> int:
        """One copy for each party to it and one kept by the committee (art. 29); one drafted
        before agreements named their parties binds every party of its case."""
        return (self.parties.count() or self.case.parties.count()) + 1


class Signature(models.Model):
    """A party's or a mediator's signature, seal or fingerprint on a written agreement."""

    class Role(models.TextChoices):
        PARTY = "party", _("当事人")
        MEDIATOR = "mediator", _("调解员")

    class Method(models.TextChoices):
        SIGN = "sign", _("签名")
        SEAL = "seal", _("盖章")
        FINGERPRINT = "fingerprint", _("按指印")
        REFUSED = "refused", _("拒绝签字")

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="signatures")
    role = models.CharField(_("签署人身份"), max_length=16, choices=Role.choices)
    party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.PROTECT, related_name="signatures"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="signatures"
    )
    method = models.CharField(_("签署方式"), max_length=16, choices=Method.choices)
    signed_on = models.DateField(_("签署日期"))
    # Why a party refused to sign (method ``refused``).
    note = models.TextField(_("说明"), blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope_region_path = "agreement__case__scope_path"

    class Meta:
        ordering = ["agreement", "id"]
        verbose_name = _("协议签署")
        verbose_name_plural = _("协议签署")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role="party", party__isnull=False, person__isnull=True)
                    | Q(role="mediator", person__isnull=False, party__isnull=True)
                ),
                name="signature_names_one_signer",
            ),
            models.UniqueConstraint(fields=["agreement", "party"], name="one_signature_per_party"),
            models.UniqueConstraint(
                fields=["agreement", "person"], name="one_signature_per_mediator"
            ),
        ]

    def __str__(self) -> str:
        return str(self.party or self.person)

    @property
    def signer_name(self) -> str:
        return self.party.name if self.party_id else self.person.name


class AgreementTerm(models.Model):
    """One obligation of the agreement: who does what, how much, how, where, by when, and
    whether it was performed (the committee supervises performance, art. 31)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="terms")
    position = models.PositiveSmallIntegerField(_("序号"))
    obligation = models.TextField(_("协议内容"))
    obligor = models.ForeignKey(
        Party,
        verbose_name=_("履行义务人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="obligations",
    )
    amount = models.DecimalField(
        _("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    manner = models.CharField(_("履行方式"), max_length=200, blank=True)
    place = models.CharField(_("履行地点"), max_length=200, blank=True)
    deadline = models.DateField(_("履行期限"), null=True, blank=True)
    performed_on = models.DateField(_("履行日期"), null=True, blank=True)
    evidence = models.TextField(_("履行情况及凭证"), blank=True)

    objects = ScopedManager()
    scope_region_path = "agreement__case__scope_path"

    class Meta:
        ordering = ["agreement", "position"]
        verbose_name = _("协议条款")
        verbose_name_plural = _("协议条款")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "position"], name="one_term_per_position"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="term_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.number} #{self.position}"


class JudicialConfirmation(models.Model):
    """The parties' joint application to a court to confirm the agreement (art. 33)."""

    class Ruling(models.TextChoices):
        PENDING = "pending", _("审查中")
        CONFIRMED = "confirmed", _("确认有效")
        REJECTED = "rejected", _("驳回申请")

    agreement = models.OneToOneField(
        Agreement, on_delete=models.PROTECT, related_name="judicial_confirmation"
    )
    applied_on = models.DateField(_("申请日期"))
    court = models.CharField(_("受理法院"), max_length=120)
    ruling = models.CharField(
        _("裁定结果"), max_length=16, choices=Ruling.choices, default=Ruling.PENDING
    )
    ruling_on = models.DateField(_("裁定日期"), null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope_region_path = "agreement__case__scope_path"

    class Meta:
        verbose_name = _("司法确认")
        verbose_name_plural = _("司法确认")
        constraints = [
            models.CheckConstraint(
                condition=Q(ruling="pending", ruling_on__isnull=True)
                | (~Q(ruling="pending") & Q(ruling_on__isnull=False)),
                name="ruling_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement.number} {self.court}"


class ReturnVisit(models.Model):
    """A return visit (回访) due after the agreement, and what it found once made.

    A visit is pending until it is made (``done_at``) or cancelled because the case relapsed
    and was reopened (``cancelled_at``).
    """

    class Method(models.TextChoices):
        PHONE = "phone", _("电话回访")
        HOME = "home", _("上门回访")

    class Outcome(models.TextChoices):
        SETTLED = "settled", _("已化解")
        PARTLY = "partly", _("部分履行")
        RELAPSED = "relapsed", _("矛盾反复")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="return_visits")
    agreement = models.ForeignKey(
        Agreement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="return_visits",
    )
    due_on = models.DateField(_("应回访日期"), db_index=True)
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    visitor = models.ForeignKey(
        Person,
        verbose_name=_("回访人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="return_visits",
    )
    method = models.CharField(_("回访方式"), max_length=8, choices=Method.choices, blank=True)
    attitude = models.TextField(_("当事人态度"), blank=True)
    performance = models.TextField(_("协议履行情况"), blank=True)
    outcome = models.CharField(_("回访结果"), max_length=16, choices=Outcome.choices, blank=True)
    notes = models.TextField(_("备注"), blank=True)

    objects = ScopedManager()
    scope_region_path = "case__scope_path"

    class Meta:
        ordering = ["case", "due_on", "id"]
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        constraints = [
            models.CheckConstraint(
                condition=Q(done_at__isnull=True, outcome="")
                | (Q(done_at__isnull=False, cancelled_at__isnull=True) & ~Q(outcome="")),
                name="visit_outcome_once_done",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} {self.due_on}"

    @property
    def pending(self) -> bool:
        return self.done_at is None and self.cancelled_at is None
