"""The registry's sealing, now shared by every module that keeps personal numbers: see
``fengqiao.sealing`` (the keys and the sealed values are unchanged)."""

from fengqiao.sealing import digest, id_columns, phone_columns, seal, unseal

__all__ = ["digest", "id_columns", "phone_columns", "seal", "unseal"]
