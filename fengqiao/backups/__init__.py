"""Backups: ``fengqiao manage backup DEST`` and ``fengqiao manage restore SRC``.

A shell over the whole installation (its database, uploaded photos and keys), not a work
module: nothing imports it. What a backup holds and how to restore one: docs/backup.md.
"""
