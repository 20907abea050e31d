"""Upgrading a Fengqiao database: ``check_upgrade`` says what ``migrate`` will change."""
