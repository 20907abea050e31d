"""Community groups with the police in them: groups, members, messages and @mentions,
broadcasts with receipts, missing-person alerts with sightings, and the outbound bridge.

Groups sit at three levels (community → compound or grid → building) and carry the
region path of their place (``scope_path``), so staff see the groups of their jurisdiction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fengqiao import sealing, taxonomy
from fengqiao.places.models import Building, Region
from fengqiao.scoping import ScopedManager

USER = settings.AUTH_USER_MODEL


class Group(models.Model):
    class Level(models.TextChoices):
        COMMUNITY = "community", pgettext_lazy("group level", "社区群")
        COMPOUND = "compound", _("小区（网格）群")
        BUILDING = "building", _("楼栋群")

    name = models.CharField(_("群名称"), max_length=60)
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级群"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+"
    )
    building = models.ForeignKey(
        Building,
        verbose_name=_("楼栋"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Residents see the member list only when the group allows it; staff always do.
    members_visible = models.BooleanField(_("群成员可见"), default=False)
    invite_token = models.CharField(max_length=32, unique=True, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["scope_path", "level", "name"]
        verbose_name = _("社区群")
        verbose_name_plural = _("社区群")

    def __str__(self) -> str:
        return self.name


class Member(sealing.SealedPhone, models.Model):
    """A person in a group: a resident who joined by invitation and confirmed a phone, or
    a member of staff (community police, auxiliary police, grid worker, building head ...).
    The phone is kept as every personal number is (``fengqiao.sealing``): sealed, hashed,
    masked."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="group_memberships")
    display_name = models.CharField(_("群昵称"), max_length=50)
    phone_sealed = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("手机号码"), max_length=20, blank=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    is_staff = models.BooleanField(_("工作人员"), default=False)
    role = models.CharField(
        _("身份"), max_length=24, choices=taxonomy.choices("role"), default="resident"
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    # Messages with a larger id are unread: one integer per member, not a row per message.
    last_read_id = models.BigIntegerField(default=0)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["group", "-is_staff", "display_name"]
        verbose_name = _("群成员")
        verbose_name_plural = _("群成员")
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="community_member_once")
        ]
        indexes = [models.Index(fields=["user", "group"], name="community_member_user")]

    def __str__(self) -> str:
        return f"{self.display_name}@{self.group_id}"


class Message(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("消息")
        BROADCAST = "broadcast", _("通知")
        ALERT = "alert", _("预警")
        SYSTEM = "system", _("系统")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(_("发送人"), max_length=50)
    author_is_staff = models.BooleanField(default=False)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    text = models.TextField(_("内容"), max_length=2000)
    # Replies hang on the thread's first message.
    thread = models.ForeignKey(
        "self",
        verbose_name=_("所属话题"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
    )
    client_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_reason = models.CharField(_("隐藏原因"), max_length=200, blank=True)
    # The intake report this message became (its tracking code), for the link both ways.
    report_code = models.CharField(_("反映编号"), max_length=16, blank=True)
    broadcast = models.ForeignKey(
        "Broadcast", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    alert = models.ForeignKey(
        "Alert", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    # A private note (a sensitive matter's answer): seen by this person and staff only.
    recipient = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    objects = ScopedManager()
    scope_region_path = "group__scope_path"

    class Meta:
        ordering = ["id"]
        verbose_name = _("群消息")
        verbose_name_plural = _("群消息")
        indexes = [models.Index(fields=["group", "id"], name="community_message_group")]
        constraints = [
            # A replayed post (same author, same client id) is the same message.
            models.UniqueConstraint(
                fields=["author", "client_id"],
                condition=~Q(client_id=""),
                name="community_message_client_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.text[:30]}"


class MessagePhoto(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("照片"), upload_to="community/%Y/%m/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("消息照片")
        verbose_name_plural = _("消息照片")

    def __str__(self) -> str:
        return self.image.name


class Mention(models.Model):
    """A member of staff @-mentioned (by name or by role) who owes an answer by ``due_at``."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    recipient = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="mentions")
    role = models.CharField(max_length=24, blank=True)  # "@社区民警" mentions a role
    due_at = models.DateTimeField(_("应答时限"))
    answered_at = models.DateTimeField(_("应答时间"), null=True, blank=True)
    answer = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()
    scope_region_path = "message__group__scope_path"

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("@提及")
        verbose_name_plural = _("@提及")
        indexes = [
            models.Index(
                fields=["recipient", "due_at"],
                condition=Q(answered_at__isnull=True),
                name="community_mention_open",
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["message", "recipient"], name="community_mention_once")
        ]

    def __str__(self) -> str:
        return f"@{self.recipient_id} in {self.message_id}"


class Broadcast(models.Model):
    """An announce-only post from staff to chosen groups (or every group of chosen regions)."""

    class Topic(models.TextChoices):
        # What it is about, so the work it serves (anti-fraud figures) can count its reach.
        GENERAL = "general", _("一般通知")
        ANTI_FRAUD = "anti_fraud", _("反诈宣传")
        MISSING_PERSON = "missing_person", _("寻人协查")
        SAFETY = "safety", _("安全防范")

    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(_("发布人"), max_length=50)
    title = models.CharField(_("标题"), max_length=60)
    text = models.TextField(_("内容"), max_length=2000)
    topic = models.CharField(
        _("类别"), max_length=16, choices=Topic.choices, default=Topic.GENERAL, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    groups = models.ManyToManyField(Group, related_name="broadcasts", blank=True)
    group_count = models.PositiveIntegerField(default=0)
    member_count = models.PositiveIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # The broadcaster's jurisdiction at the time, so the reach page is scoped like it.
    scope_path = models.CharField(max_length=255, editable=False)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("群发通知")
        verbose_name_plural = _("群发通知")

    def __str__(self) -> str:
        return self.title


class Receipt(models.Model):
    """One member's copy of a broadcast: delivered when fanned out, read when opened."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="receipts")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="receipts")
    delivered_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("送达回执")
        verbose_name_plural = _("送达回执")
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "member"], name="community_receipt_once")
        ]

    def __str__(self) -> str:
        return f"{self.broadcast_id}→{self.member_id}"


class Alert(models.Model):
    """A missing-person or urgent alert to the building heads and groups of chosen grids."""

    class Kind(models.TextChoices):
        MISSING_PERSON = "missing_person", _("寻人")
        URGENT = "urgent", _("紧急通知")

    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        FOUND = "found", _("已找到")
        CLOSED = "closed", _("已结束")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=60)
    description = models.TextField(_("特征描述"), max_length=2000)
    photo = models.FileField(_("照片"), upload_to="alerts/%Y/%m/", blank=True)
    last_seen_place = models.CharField(_("最后出现地点"), max_length=200, blank=True)
    last_seen_at = models.DateTimeField(_("最后出现时间"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    grids = models.ManyToManyField(Region, verbose_name=_("发送网格"), related_name="+")
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_note = models.CharField(_("结束说明"), max_length=200, blank=True)
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    scope_path = models.CharField(max_length=255, editable=False)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("预警")
        verbose_name_plural = _("预警")

    def __str__(self) -> str:
        return self.title


class AlertRecipient(models.Model):
    """Someone an alert went to (a building head, a grid worker, a group member)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    delivered_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("预警接收人")
        verbose_name_plural = _("预警接收人")
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="community_alert_once")
        ]

    def __str__(self) -> str:
        return f"{self.alert_id}→{self.user_id}"


class Sighting(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="sightings")
    reporter = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reporter_name = models.CharField(_("报告人"), max_length=50)
    text = models.TextField(_("情况"), max_length=1000)
    photo = models.FileField(_("照片"), upload_to="sightings/%Y/%m/", blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    seen_at = models.DateTimeField(_("看到的时间"))
    created_at = models.DateTimeField(auto_now_add=True)
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # Set once, by staff other than the reporter (``notices.confirm_sighting``); recognition
    # counts a clue only when someone else has vouched for it.
    confirmed_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-seen_at", "-id"]
        verbose_name = _("线索")
        verbose_name_plural = _("线索")

    def __str__(self) -> str:
        return f"{self.reporter_name}: {self.text[:30]}"


class AbuseReport(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="abuse_reports")
    reporter = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("举报理由"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    scope_region_path = "message__group__scope_path"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("举报")
        verbose_name_plural = _("举报")
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="community_abuse_once")
        ]

    def __str__(self) -> str:
        return f"{self.reporter_id} on {self.message_id}"


class OutboundTarget(models.Model):
    """An external chat group that broadcasts and alerts are pushed to (a webhook robot)."""

    class Kind(models.TextChoices):
        WEBHOOK_ROBOT = "webhook_robot", _("群机器人（Webhook）")

    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(
        _("类型"), max_length=16, choices=Kind.choices, default=Kind.WEBHOOK_ROBOT
    )
    url = models.URLField(_("Webhook 地址"), max_length=500)
    region = models.ForeignKey(
        Region, verbose_name=_("覆盖区域"), on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(_("启用"), default=True)

    objects = ScopedManager()
    scope_region_path = "region__path"

    class Meta:
        ordering = ["name"]
        verbose_name = _("外部推送目标")
        verbose_name_plural = _("外部推送目标")

    def __str__(self) -> str:
        return self.name


class OutboundDelivery(models.Model):
    """One push to one target: retried with backoff until sent or given up, never lost."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    target = models.ForeignKey(OutboundTarget, on_delete=models.PROTECT, related_name="deliveries")
    source = models.CharField(max_length=40)  # "broadcast:12", "alert:3"
    payload = models.JSONField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("外部推送记录")
        verbose_name_plural = _("外部推送记录")
        constraints = [
            models.UniqueConstraint(fields=["target", "source"], name="community_delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.source}→{self.target_id} {self.status}"


class JoinConfirmation(sealing.SealedPhone, models.Model):
    """A resident joining by invitation: the phone (sealed, like every personal number) is
    confirmed by a six-digit code, kept only as a hash, valid for a few minutes and for a
    few attempts."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+")
    display_name = models.CharField(_("姓名或昵称"), max_length=50)
    phone_sealed = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("手机号码"), max_length=20, blank=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    code_hash = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("入群验证")
        verbose_name_plural = _("入群验证")
        indexes = [
            models.Index(fields=["phone_hash", "created_at"], name="community_join_phone_hash")
        ]

    def __str__(self) -> str:
        return f"{self.display_name}→{self.group_id}"
