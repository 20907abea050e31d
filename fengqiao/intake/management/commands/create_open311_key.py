"""``fengqiao manage create_open311_key NAME [--jurisdiction CODE]``: a key for Open311 POSTs."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fengqiao.audit.context import origin
from fengqiao.intake.open311.services import create_open311_key
from fengqiao.places.models import Region


class Command(BaseCommand):
    help = _(
        "生成一个 Open311 接口密钥并只显示这一次 (make an Open311 api_key; it is shown only once)"
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help=_("使用方名称 (who will use the key)"))
        parser.add_argument(
            "--jurisdiction",
            default="",
            help=_("只允许提交该区域编码范围内的反映 (limit the key to this region code)"),
        )

    def handle(self, *args, name: str, jurisdiction: str, **options):
        region = None
        if jurisdiction:
            region = Region.objects.filter(code=jurisdiction).first()
            if region is None:
                raise CommandError(_("没有这个区域编码：%(code)s") % {"code": jurisdiction})
        try:
            with origin("command create_open311_key"):
                key, raw_key = create_open311_key(name=name, jurisdiction=region)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stderr.write(
            _("已为“%(name)s”生成密钥（编号 %(id)s）。密钥只显示这一次，请妥善保存：")
            % {"name": key.name, "id": key.pk}
        )
        self.stdout.write(raw_key)
