#!/usr/bin/env python3
"""Refresh the English translation catalogue and compile it.

    python scripts/update_translations.py

1. ``django-admin makemessages -l en`` over the ``fengqiao`` package (tests, bench,
   migrations and vendored files are not scanned), into fengqiao/locale/en/LC_MESSAGES/.
   Existing translations are kept; new source strings arrive untranslated, never as "fuzzy"
   guesses (msgmerge's fuzzy matching is turned off, so a stale guess cannot ship).
2. ``msgfmt --check`` compiles django.po into django.mo. The .mo is committed, so an install
   from the repository or a wheel needs no gettext.

The source language is Chinese: every msgid is Chinese and every msgstr its English.
Exits 1 and lists them when any entry is untranslated or fuzzy, so translate and re-run.
Needs GNU gettext (``apt-get install gettext``) only here, never at install time.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fengqiao"
LOCALE = PACKAGE / "locale"
LANGUAGE = "en"
PO = LOCALE / LANGUAGE / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
IGNORE = ["migrations/*", "*/migrations/*", "static/*", "*/static/*", "locale/*"]


def make_messages() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    # Settings write a secret key into the data directory; keep that out of the user's one.
    os.environ.setdefault("FENGQIAO_DATA_DIR", tempfile.mkdtemp(prefix="fengqiao-i18n-"))
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command
    from django.core.management.commands import makemessages

    django.setup()

    class MakeMessages(makemessages.Command):
        msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
        # N_ marks text translated later, when shown (gettext_noop under a short name).
        xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]

    LOCALE.mkdir(exist_ok=True)
    previous = Path.cwd()
    os.chdir(PACKAGE)  # makemessages scans the working directory
    try:
        call_command(
            MakeMessages(),
            locale=[LANGUAGE],
            domain="django",
            ignore_patterns=IGNORE,
            add_location="file",
            no_obsolete=True,
            verbosity=1,
        )
    finally:
        os.chdir(previous)


HEADER_DEFAULTS = {
    "# SOME DESCRIPTIVE TITLE.\n": "# English for Fengqiao; the source strings are Chinese.\n",
    "# Copyright (C) YEAR THE PACKAGE'S COPYRIGHT HOLDER\n": "",
    "# This file is distributed under the same license as the PACKAGE package.\n": (
        "# This file is distributed under the same licence as the fengqiao package.\n"
    ),
    "# FIRST AUTHOR <EMAIL@ADDRESS>, YEAR.\n#\n#, fuzzy\n": "#\n",
    '"Project-Id-Version: PACKAGE VERSION\\n"': '"Project-Id-Version: fengqiao\\n"',
    '"Last-Translator: FULL NAME <EMAIL@ADDRESS>\\n"': '"Last-Translator: Fengqiao developers\\n"',
    '"Language-Team: LANGUAGE <LL@li.org>\\n"': '"Language-Team: English\\n"',
    '"Language: \\n"': '"Language: en\\n"',
}


def settle_header() -> None:
    """makemessages writes a placeholder header marked fuzzy once; fill it in for good."""
    text = PO.read_text(encoding="utf-8")
    for placeholder, value in HEADER_DEFAULTS.items():
        text = text.replace(placeholder, value, 1)
    created = re.search(r'"POT-Creation-Date: ([^\\]+)\\n"', text)
    if created:
        text = text.replace(
            "PO-Revision-Date: YEAR-MO-DA HO:MI+ZONE", f"PO-Revision-Date: {created[1]}"
        )
    PO.write_text(text, encoding="utf-8")


def problems_in_catalogue() -> list[str]:
    """The msgids that are untranslated or fuzzy, read with gettext's own msgattrib."""
    found = []
    for flag in ("--untranslated", "--only-fuzzy"):
        listed = subprocess.run(
            ["msgattrib", flag, "--no-wrap", "--no-location", str(PO)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        found += [
            f"{flag[2:]}: {line[len('msgid ') :]}"
            for line in listed.splitlines()
            if line.startswith("msgid ") and line != 'msgid ""'
        ]
    return found


def compile_messages() -> None:
    subprocess.run(["msgfmt", "--check", "--statistics", "-o", str(MO), str(PO)], check=True)


def main() -> int:
    missing = [
        tool for tool in ("xgettext", "msgmerge", "msgfmt", "msgattrib") if not shutil.which(tool)
    ]
    if missing:
        print(f"GNU gettext is needed ({', '.join(missing)} not found): apt-get install gettext")
        return 2
    make_messages()
    settle_header()
    compile_messages()
    problems = problems_in_catalogue()
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} entries in {PO.relative_to(ROOT)} need an English translation")
        return 1
    print(f"{PO.relative_to(ROOT)}: every entry translated; compiled {MO.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
