"""The "four reals" (一标三实): standard addresses, and the real houses, residents and units
hanging on them; key populations under care; tenant reports from the ground.

Every record carries ``scope_path``, the path of the grid it lies in, copied from its
address when saved, so scoping and search are one index range (see org.scope).
Full ID and phone numbers are never stored in the clear (see ``sealing``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao import identity, sealing, taxonomy
from fengqiao.places.models import Building, Region
from fengqiao.scoping import ScopedManager

ID_TYPE_CHOICES = [(code, zh) for code, zh, _en in identity.ID_TYPES]
# Why a person's stay ends (GB/T 31000 迁出/死亡/注销): on the resident and their occupancy.
END_REASON_CHOICES = [
    ("moved_away", _("迁出")),
    ("died", _("死亡")),
    ("deregistered", _("注销户口")),
]


class Address(models.Model):
    """A standard address (标准地址): the elements of GA/T 2000.32 down to the room."""

    # The element fields, in the order an address is written.
    ELEMENTS = (
        "road",
        "door_number",
        "compound",
        "village_group",
        "building_no",
        "unit_no",
        "floor",
        "room",
    )

    class Kind(models.TextChoices):
        DOOR = "door", _("门（楼）牌")
        ROOM = "room", _("户室")

    grid = models.ForeignKey(
        Region, verbose_name=_("所属网格"), on_delete=models.PROTECT, related_name="+"
    )
    building = models.ForeignKey(
        Building,
        verbose_name=_("楼栋"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="addresses",
    )
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices, default=Kind.DOOR)
    road = models.CharField(_("街路巷"), max_length=60, blank=True)
    door_number = models.CharField(_("门牌号"), max_length=20, blank=True)
    compound = models.CharField(_("小区"), max_length=60, blank=True)
    village_group = models.CharField(_("村民小组"), max_length=10, blank=True)
    building_no = models.CharField(_("楼栋号"), max_length=10, blank=True)
    unit_no = models.CharField(_("单元"), max_length=10, blank=True)
    floor = models.CharField(_("楼层"), max_length=10, blank=True)
    room = models.CharField(_("室"), max_length=20, blank=True)
    full_text = models.CharField(_("标准地址"), max_length=255)
    # The elements below community level, in canonical form: what a typed address is
    # matched on. Unique within a community (``key`` = community code + tail).
    tail = models.CharField(max_length=200, db_index=True, editable=False)
    key = models.CharField(max_length=240, unique=True, editable=False)
    raw_text = models.CharField(_("原始地址"), max_length=255, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    # Soft end (registry.editing): an address that no longer exists keeps its history.
    retired_on = models.DateField(_("注销日期"), null=True, blank=True)
    retire_reason = models.CharField(_("注销原因"), max_length=100, blank=True)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["scope_path", "full_text"]
        verbose_name = _("标准地址")
        verbose_name_plural = _("标准地址")
        indexes = [models.Index(fields=["full_text", "scope_path"], name="registry_address_text")]

    def __str__(self) -> str:
        return self.full_text


class House(sealing.SealedPhone, models.Model):
    """A dwelling or premises (实有房屋) at an address. The owner's phone is sealed like
    every other number (``phone``), shown masked."""

    class Use(models.TextChoices):
        OWN = "own", _("自住")
        RENTED = "rented", _("出租")
        VACANT = "vacant", _("空置")
        BUSINESS = "business", _("经营")

    address = models.ForeignKey(
        Address, verbose_name=_("地址"), on_delete=models.PROTECT, related_name="houses"
    )
    label = models.CharField(_("房屋标识"), max_length=20, blank=True)
    use = models.CharField(_("用途"), max_length=12, choices=Use.choices, default=Use.OWN)
    owner_name = models.CharField(_("房主"), max_length=50, blank=True)
    phone_sealed = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("房主电话"), max_length=20, blank=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    area_m2 = models.DecimalField(
        _("面积（平方米）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    ended_on = models.DateField(_("灭失日期"), null=True, blank=True)
    end_reason = models.CharField(_("灭失原因"), max_length=100, blank=True)
    # A page or API add's idempotency key (``idempotency.stored_key``); none from the import.
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["address__full_text", "label"]
        verbose_name = _("实有房屋")
        verbose_name_plural = _("实有房屋")
        constraints = [
            models.UniqueConstraint(fields=["address", "label"], name="registry_house_one_label")
        ]

    def __str__(self) -> str:
        return f"{self.address.full_text}{self.label}"

    @property
    def owner_phone_masked(self) -> str:
        return self.phone_masked


class SealedIdentity(sealing.SealedPhone, models.Model):
    """A person's document and phone as the registry keeps them: sealed for reveal, keyed
    hash for exact lookup, masked text and last four for display and search."""

    id_type = models.CharField(
        _("证件类型"), max_length=24, choices=ID_TYPE_CHOICES, default="resident_id"
    )
    id_sealed = models.TextField(blank=True, editable=False)
    id_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_masked = models.CharField(_("证件号码"), max_length=24, blank=True, editable=False)
    id_last4 = models.CharField(max_length=4, blank=True, editable=False)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    sex = models.CharField(
        _("性别"),
        max_length=8,
        blank=True,
        choices=[("male", _("男")), ("female", _("女"))],
    )
    phone_sealed = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)

    class Meta:
        abstract = True

    def set_document(self, id_type: str, number: str) -> None:
        """Store a document number that has passed ``identity.normalize_document``."""
        self.id_type = id_type
        self.id_sealed = sealing.seal(number)
        self.id_hash = sealing.digest(number)
        self.id_masked = identity.mask_id_number(number) if number else ""
        self.id_last4 = number[-4:]
        if number and id_type in identity.CHECKSUMMED_TYPES:
            self.birth_date = identity.birth_date_of(number)
            self.sex = identity.sex_of(number)

    def copy_identity_to(self, other: SealedIdentity) -> None:
        """Give ``other`` this record's document and phone, still sealed."""
        for field in SealedIdentity._meta.get_fields():
            setattr(other, field.attname, getattr(self, field.attname))

    @property
    def id_number(self) -> str:
        """The full document number. Only ``services.reveal`` shows it to people."""
        return sealing.unseal(self.id_sealed)


class Resident(SealedIdentity):
    """A person living (or registered) in the area: 实有人口."""

    class ResidenceType(models.TextChoices):
        # GB/T 31000's 人户状态.
        REGISTERED = "registered", _("户籍人口（人户一致）")
        FLOATING = "floating", _("流动人口（人在户不在）")
        AWAY = "away", _("户在人不在")

    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = models.CharField(max_length=120, editable=False)
    name_initials = models.CharField(max_length=50, editable=False)
    residence_type = models.CharField(
        _("人户状态"),
        max_length=12,
        choices=ResidenceType.choices,
        default=ResidenceType.REGISTERED,
    )
    hukou_place = models.CharField(_("户籍地"), max_length=120, blank=True)
    house = models.ForeignKey(
        House,
        verbose_name=_("现住房屋"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
    )
    moved_in = models.DateField(_("迁入日期"), null=True, blank=True)
    moved_out = models.DateField(_("迁出日期"), null=True, blank=True)
    end_reason = models.CharField(
        _("迁出/注销原因"), max_length=12, choices=END_REASON_CHOICES, blank=True
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The grid of the house lived in (kept after moving out, so the record stays findable).
    scope_path = models.CharField(max_length=255, editable=False)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("实有人口")
        verbose_name_plural = _("实有人口")
        permissions = [
            ("reveal_identity", _("可以查看完整证件号码和电话（需说明理由）")),
            ("view_sensitive_population", _("可以查看敏感重点人群（医疗、未成年人、家暴）")),
            ("merge_resident", _("可以合并重复人员")),
        ]
        # Search: each key with the scope path, so a prefix and a jurisdiction are one range.
        indexes = [
            models.Index(fields=["name", "scope_path"], name="registry_res_name"),
            models.Index(fields=["name_initials", "scope_path"], name="registry_res_initials"),
            models.Index(fields=["name_pinyin", "scope_path"], name="registry_res_pinyin"),
            models.Index(fields=["id_last4", "scope_path"], name="registry_res_id_last4"),
            models.Index(fields=["phone_last4", "scope_path"], name="registry_res_phone_last4"),
            models.Index(fields=["scope_path", "residence_type"], name="registry_res_scope"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def living_here(self) -> bool:
        return self.house_id is not None and self.moved_out is None


class Occupancy(models.Model):
    """Who lived in a house, from when to when: a house's residents over time."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="occupancies")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="occupancies")
    residence_type = models.CharField(
        _("人户状态"), max_length=12, choices=Resident.ResidenceType.choices
    )
    moved_in = models.DateField(_("迁入日期"), null=True, blank=True)
    moved_out = models.DateField(_("迁出日期"), null=True, blank=True)
    end_reason = models.CharField(
        _("迁出/注销原因"), max_length=12, choices=END_REASON_CHOICES, blank=True
    )
    # A page or API add's idempotency key (``idempotency.stored_key``); none from the import.
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-moved_in", "-id"]
        verbose_name = _("居住记录")
        verbose_name_plural = _("居住记录")

    def __str__(self) -> str:
        return f"{self.resident_id}@{self.house_id} {self.moved_in}–{self.moved_out or ''}"


class Establishment(models.Model):
    """A unit (实有单位): shop, school, hotel, market, factory ..."""

    class Kind(models.TextChoices):
        SHOP = "shop", _("商铺")
        RESTAURANT = "restaurant", _("餐饮")
        SCHOOL = "school", _("学校")
        KINDERGARTEN = "kindergarten", _("幼儿园")
        HOTEL = "hotel", _("旅馆")
        MARKET = "market", _("市场")
        FACTORY = "factory", _("工厂")
        CLINIC = "clinic", _("诊所")
        INTERNET_CAFE = "internet_cafe", _("网吧")
        OFFICE = "office", _("机关单位")
        OTHER = "other", _("其他")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    address = models.ForeignKey(
        Address, verbose_name=_("地址"), on_delete=models.PROTECT, related_name="establishments"
    )
    in_charge_name = models.CharField(_("负责人"), max_length=50, blank=True)
    in_charge_phone = models.CharField(_("负责人电话"), max_length=20, blank=True)
    security_name = models.CharField(_("治安联系人"), max_length=50, blank=True)
    security_phone = models.CharField(_("治安联系人电话"), max_length=20, blank=True)
    employee_count = models.PositiveIntegerField(_("从业人数"), default=0)
    closed_on = models.DateField(_("注销/关闭日期"), null=True, blank=True)
    close_reason = models.CharField(_("关闭原因"), max_length=100, blank=True)
    # A page or API add's idempotency key (``idempotency.stored_key``); none from the import.
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("实有单位")
        verbose_name_plural = _("实有单位")
        indexes = [models.Index(fields=["name", "scope_path"], name="registry_est_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="registry_establishment_credit_code",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Employment(models.Model):
    """A resident working at a unit."""

    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="employments"
    )
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="employments")
    position = models.CharField(_("岗位"), max_length=40, blank=True)
    since = models.DateField(_("入职日期"), null=True, blank=True)
    until = models.DateField(_("离职日期"), null=True, blank=True)
    # A page or API add's idempotency key (``idempotency.stored_key``); none from the import.
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["establishment", "resident"]
        verbose_name = _("从业人员")
        verbose_name_plural = _("从业人员")

    def __str__(self) -> str:
        return f"{self.resident_id}@{self.establishment_id} {self.position}"


class KeyPerson(models.Model):
    """A resident in a key population (taxonomy ``key_population``) under regular care."""

    class CareLevel(models.IntegerChoices):
        CLOSE = 1, _("一级（重点关注）")
        REGULAR = 2, _("二级（常规关注）")
        LIGHT = 3, _("三级（一般关注）")

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="key_records")
    kind = models.CharField(
        _("人群类别"), max_length=32, choices=taxonomy.choices("key_population")
    )
    sensitive = models.BooleanField(default=False, editable=False)
    care_level = models.PositiveSmallIntegerField(
        _("关注等级"), choices=CareLevel.choices, default=CareLevel.REGULAR
    )
    visit_every_days = models.PositiveSmallIntegerField(_("走访周期（天）"))
    officer = models.ForeignKey(
        "org.Person",
        verbose_name=_("责任民警"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="key_people",
    )
    since = models.DateField(_("纳入日期"))
    next_visit_due = models.DateField(_("下次走访"))
    last_visit_on = models.DateField(_("上次走访"), null=True, blank=True)
    active = models.BooleanField(_("在管"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    scope_path = models.CharField(max_length=255, editable=False)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["next_visit_due", "id"]
        verbose_name = _("重点人群")
        verbose_name_plural = _("重点人群")
        indexes = [
            models.Index(
                fields=["next_visit_due", "scope_path"],
                condition=Q(active=True),
                name="registry_key_due",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "kind"],
                condition=Q(active=True),
                name="registry_key_one_active_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident.name}（{self.kind_label}）"

    @property
    def kind_label(self) -> str:
        return taxonomy.label("key_population", self.kind)


class CareVisit(models.Model):
    """One visit to a key person: who went, how, what they found."""

    class Method(models.TextChoices):
        HOME = "home", _("入户走访")
        PHONE = "phone", _("电话联系")
        OFFICE = "office", _("来所面谈")

    key_person = models.ForeignKey(KeyPerson, on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("走访日期"))
    method = models.CharField(_("方式"), max_length=8, choices=Method.choices)
    finding = models.TextField(_("情况"), max_length=2000)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    visitor_name = models.CharField(_("走访人"), max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    # The form's idempotency key, bound to the visitor (fengqiao.idempotency): a visit
    # recorded without a signal and sent again when it returns is stored once.
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")

    def __str__(self) -> str:
        return f"{self.visited_on} {self.visitor_name}"


class ReviewedSubmission(models.Model):
    """What a building head or grid worker submits for the community police of the area to
    verify or send back: who reviewed it, when, and what they wrote. Each kind has its own
    ``status`` (its ``Status`` choices start from ``PENDING``) and the submitter's fields."""

    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("核实意见"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def mark_reviewed(self, *, actor, status: str, note: str, **extra) -> bool:
        """Record the review, only while the submission is still pending: two officers
        reviewing at once cannot both win. False when someone else reviewed it first.
        ``extra`` are other columns written with it (the resident the review settled on)."""
        updated = (
            type(self)
            .objects.filter(pk=self.pk, status=self.Status.PENDING)
            .update(
                status=status,
                reviewed_by=actor,
                reviewed_at=timezone.now(),
                review_note=note.strip()[:200],
                **extra,
            )
        )
        return bool(updated)


class TenantReport(SealedIdentity, ReviewedSubmission):
    """A building head's or grid worker's report of a tenant moving in or out, waiting for
    the community police to verify it."""

    class Kind(models.TextChoices):
        MOVE_IN = "move_in", _("新租户入住")
        MOVE_OUT = "move_out", _("租户搬离")

    class Status(models.TextChoices):
        PENDING = "pending", _("待核实")
        VERIFIED = "verified", _("已核实")
        REJECTED = "rejected", _("已退回")

    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    house = models.ForeignKey(
        House, verbose_name=_("房屋"), on_delete=models.PROTECT, related_name="tenant_reports"
    )
    name = models.CharField(_("姓名"), max_length=50)
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("对应人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tenant_reports",
    )
    moved_on = models.DateField(_("入住/搬离日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(auto_now_add=True)
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    scope_path = models.CharField(max_length=255, editable=False)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("租户信息报告")
        verbose_name_plural = _("租户信息报告")
        indexes = [
            models.Index(fields=["status", "scope_path"], name="registry_tenant_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


class RegistryChange(SealedIdentity, ReviewedSubmission):
    """One add, correction or end of a resident made from a page or the API.

    The police's own edits are applied at once and kept here as applied; a grid worker's or
    building head's wait here (pending) until the community police of that area apply or
    send them back. The submitted numbers are sealed like a resident's (``SealedIdentity``:
    blank when not being changed); ``values`` holds the other submitted fields and
    ``shown`` the masked old→new of each field for the reviewer.
    """

    class Kind(models.TextChoices):
        ADD = "add", _("新增居民")
        CORRECT = "correct", _("修改居民信息")
        END = "end", _("迁出/注销")

    class Status(models.TextChoices):
        PENDING = "pending", _("待核实")
        APPLIED = "applied", _("已生效")
        REJECTED = "rejected", _("已退回")

    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="changes",
    )
    house = models.ForeignKey(
        House,
        verbose_name=_("房屋"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    values = models.JSONField(default=dict, blank=True)
    shown = models.JSONField(default=dict, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    scope_path = models.CharField(max_length=255, editable=False)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("人员信息变更")
        verbose_name_plural = _("人员信息变更")
        indexes = [
            models.Index(fields=["status", "scope_path"], name="registry_change_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.values.get('name', '')}".strip()


class ImportJob(models.Model):
    """An uploaded import file between its check and its commit, and what came of it.

    The file is kept here (not on disk) so a dry run and the commit that follows read the
    same bytes, whichever process serves them; it is emptied once the import is done.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("待检查")
        INVALID = "invalid", _("检查未通过")
        CHECKED = "checked", _("检查通过，待确认")
        DONE = "done", _("已导入")
        FAILED = "failed", _("导入失败")

    kind = models.CharField(_("导入类型"), max_length=16)
    filename = models.CharField(_("文件名"), max_length=255)
    content = models.BinaryField(editable=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.UPLOADED
    )
    rows = models.PositiveIntegerField(_("行数"), default=0)
    error_count = models.PositiveIntegerField(_("问题数"), default=0)
    errors = models.JSONField(default=list, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("批量导入")
        verbose_name_plural = _("批量导入")

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"
