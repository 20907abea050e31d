"""Personal numbers typed into messages, masked for viewers who are not staff: a neighbour
who posts a phone number or an ID number should not hand it to the whole group. The masker
is shared with every free text (``fengqiao.privacy.mask_numbers``)."""

from __future__ import annotations

from fengqiao.privacy import mask_numbers

__all__ = ["mask_numbers"]
