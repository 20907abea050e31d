"""The API's pages: DRF's page-number pagination, with the page number checked as the schema
states it (an integer from 1). DRF took ``?page=`` as page 1 and ``?page=abc`` as a page
past the end (404); both are a bad parameter (400 naming ``page``)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,8}")


class PageNumberPagination(pagination.PageNumberPagination):
    def get_page_number(self, request, paginator):
        given = request.query_params.get(self.page_query_param)
        if given is None:
            return 1
        if given in self.last_page_strings:
            return paginator.num_pages
        if not _PAGE_NUMBER.fullmatch(given):
            raise ValidationError({self.page_query_param: [_("页码应为从 1 开始的整数")]})
        return int(given)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {**parameter["schema"], "minimum": 1}
        return parameters
