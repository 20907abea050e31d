"""Photos people upload (reports, group messages): checked by size and by their first bytes,
never by the name or the browser's content type, which anyone can fake."""

from __future__ import annotations

from django.utils.translation import gettext as _

MAX_PHOTO_BYTES = 8 * 1024 * 1024
PHOTO_SIGNATURES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


def photo_problem(photo) -> str:
    """What is wrong with an uploaded photo, in the user's words; "" when nothing is."""
    if photo.size > MAX_PHOTO_BYTES:
        return _("照片“%(name)s”太大（最大 8 MB）") % {"name": photo.name}
    if not content_type_of(photo):
        return _("“%(name)s”不是 JPEG、PNG 或 GIF 照片") % {"name": photo.name}
    return ""


def content_type_of(photo) -> str:
    """The image type read from the file's first bytes ("" when it is not a photo we take)."""
    head = photo.read(16)
    photo.seek(0)
    return next((kind for sig, kind in PHOTO_SIGNATURES.items() if head.startswith(sig)), "")
