"""Photos people upload (reports, group messages): checked by size and by their first bytes,
never by the name or the browser's content type, which anyone can fake.

The pixel size is read from the header too: an 875 KB PNG can declare 30000×30000 pixels,
which takes 3.6 GB to decode in the browser or thumbnailer that opens it.
"""

from __future__ import annotations

import struct

from django.utils.translation import gettext as _

MAX_PHOTO_BYTES = 8 * 1024 * 1024
# A phone's 50-megapixel mode takes 8160×6120; nothing a resident sends needs more.
MAX_PHOTO_SIDE = 10_000
MAX_PHOTO_PIXELS = 50_000_000
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
    kind = content_type_of(photo)
    if not kind:
        return _("“%(name)s”不是 JPEG、PNG 或 GIF 照片") % {"name": photo.name}
    size = pixel_size_of(photo, kind)
    if size and (max(size) > MAX_PHOTO_SIDE or size[0] * size[1] > MAX_PHOTO_PIXELS):
        return _(
            "照片“%(name)s”的尺寸过大（%(width)d×%(height)d 像素）：每边最多 %(side)d 像素、"
            "总共最多 5000 万像素，请缩小后再上传"
        ) % {"name": photo.name, "width": size[0], "height": size[1], "side": MAX_PHOTO_SIDE}
    return ""


def content_type_of(photo) -> str:
    """The image type read from the file's first bytes ("" when it is not a photo we take)."""
    head = photo.read(16)
    photo.seek(0)
    return next((kind for sig, kind in PHOTO_SIGNATURES.items() if head.startswith(sig)), "")


def pixel_size_of(photo, kind: str) -> tuple[int, int] | None:
    """(width, height) as the file's header declares it, without decoding the image; None
    when the header cannot be read (such a file shows as a broken image, not a huge one)."""
    try:
        if kind == "image/png":
            return _png_size(photo.read(24))
        data = photo.read(MAX_PHOTO_BYTES)
        return _jpeg_size(data) if kind == "image/jpeg" else _gif_size(data)
    finally:
        photo.seek(0)


def _png_size(head: bytes) -> tuple[int, int] | None:
    # The IHDR chunk comes first: length (4), "IHDR", width and height (4 bytes each).
    if len(head) < 24 or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


# Start-of-frame markers (baseline, progressive, lossless, arithmetic...): not C4, C8, CC.
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_NO_LENGTH = frozenset(range(0xD0, 0xDA)) | {0x01}  # RSTn, SOI, EOI, TEM


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """The frame header's size. Segments are skipped by their lengths, so the thumbnail
    inside EXIF does not count; bytes between segments are skipped to the next marker, as
    libjpeg (and so the browsers) do."""
    at = 2
    while True:
        at = data.find(b"\xff", at)
        while 0 <= at < len(data) - 1 and data[at + 1] == 0xFF:
            at += 1  # fill bytes
        if at < 0 or at + 1 >= len(data):
            return None
        marker = data[at + 1]
        at += 2
        if marker == 0x00 or marker in _JPEG_NO_LENGTH:
            continue
        if marker == 0xDA or at + 2 > len(data):  # the scan starts: no frame header before it
            return None
        if marker in _JPEG_FRAMES:
            if at + 7 > len(data):
                return None
            height, width = struct.unpack(">HH", data[at + 3 : at + 7])
            return width, height
        at += struct.unpack(">H", data[at : at + 2])[0]


def _gif_size(data: bytes) -> tuple[int, int] | None:
    """The largest of the logical screen and every frame's extent: browsers grow the canvas
    to fit a frame larger than the screen it declares."""
    if len(data) < 13:
        return None
    width, height, flags = struct.unpack("<HHB", data[6:11])
    at = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    while at < len(data):
        block = data[at]
        if block == 0x2C:  # an image: left, top, width, height, then its own colour table
            if at + 10 > len(data):
                break
            left, top, frame_w, frame_h, frame_flags = struct.unpack(
                "<HHHHB", data[at + 1 : at + 10]
            )
            width, height = max(width, left + frame_w), max(height, top + frame_h)
            at += 10 + (3 << ((frame_flags & 7) + 1) if frame_flags & 0x80 else 0) + 1
        elif block == 0x21:  # an extension: its label, then sub-blocks
            at += 2
        else:  # the trailer, or something no decoder reads further
            break
        at = _after_sub_blocks(data, at)
    return width, height


def _after_sub_blocks(data: bytes, at: int) -> int:
    while at < len(data) and data[at]:
        at += data[at] + 1
    return at + 1
