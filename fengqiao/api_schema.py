"""Responses every operation can give, added to the OpenAPI schema so clients and validators
see them documented: 401/403 (no or wrong credentials, or a role without the right), 404
(outside the jurisdiction looks like missing; a list page past the end), 400 (a filter
value a list does not accept) and 415 (a request body in a media type no parser takes)."""

from __future__ import annotations

from fengqiao import taxonomy

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
COMMON = {
    "401": "未登录或令牌无效 / not authenticated",
    "403": "无权进行此操作 / not allowed",
    "404": "不存在或不在辖区内 / not found (or outside the jurisdiction)",
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Each rejected parameter with its messages.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
BAD_FILTER = "查询参数无效 / a query parameter was not accepted"
UNSUPPORTED_BODY = "请求体的媒体类型不受支持 / the request body's media type is not accepted"


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    schemas["ParameterErrors"] = FIELD_ERRORS
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    rejected = {"application/json": {"schema": {"$ref": "#/components/schemas/ParameterErrors"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code, description in COMMON.items():
                responses.setdefault(code, {"description": description, "content": reference})
            queries = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
            if method == "get" and queries:
                responses.setdefault("400", {"description": BAD_FILTER, "content": rejected})
            if "requestBody" in operation:
                # A body no parser takes (no or a broken Content-Type): DRF answers 415.
                responses.setdefault("415", {"description": UNSUPPORTED_BODY, "content": reference})
    return result


def _choices(kind: str):
    # Called when the schema is generated, in its language: the enum's hash covers labels.
    return lambda: taxonomy.choices(kind)


# The taxonomy's code lists under the enum names the schema has always given them, named in
# settings' ENUM_NAME_OVERRIDES: a later module's field of the same name (a service's
# channel, an application's state, a warning's level) must not rename them for clients.
channel_choices = _choices("channel")
case_state_choices = _choices("case_state")
region_level_choices = _choices("region_level")
