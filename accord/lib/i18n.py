"""Translation catalogs: one per app (``accord/<app>/locale``) plus the root ``locale/``.

python -m accord.lib.i18n extract   # update every catalog from the code (needs GNU gettext)
python -m accord.lib.i18n compile   # .po -> .mo in pure Python (no gettext needed)
python -m accord.lib.i18n check     # fail on any untranslated or fuzzy entry
python -m accord.lib.i18n todo PO   # the entries of one catalog that still need a translation, as JSON
python -m accord.lib.i18n fill PO < translations.json
                                    # {"msgid": "译文"} (plurals: {"msgid": ["译文"]}) into PO, unfuzzied
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "accord"
LANGUAGE = "zh_Hans"


def app_dirs() -> list[Path]:
    return sorted(p for p in PACKAGE.iterdir() if p.is_dir() and (p / "apps.py").exists())


def catalogs() -> list[Path]:
    found = sorted(ROOT.glob("accord/*/locale/*/LC_MESSAGES/django.po"))
    root = ROOT / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po"
    return ([root] if root.exists() else []) + found


def extract() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    django_admin = str(Path(sys.executable).with_name("django-admin"))
    for app in app_dirs():
        (app / "locale").mkdir(exist_ok=True)
        subprocess.run(
            [
                django_admin,
                "makemessages",
                "-l",
                LANGUAGE,
                "--no-obsolete",
                "--no-location",
                "--ignore",
                "tests/*",
            ],
            cwd=app,
            env=env,
            check=True,
        )
    # The root catalog: code outside the apps (settings, lib).
    ignores = []
    for entry in ROOT.iterdir():
        if entry.name not in {"accord", "locale"}:
            ignores += ["--ignore", entry.name + "/*", "--ignore", entry.name]
    for app in app_dirs():
        ignores += ["--ignore", f"accord/{app.name}/*"]
    (ROOT / "locale").mkdir(exist_ok=True)
    subprocess.run(
        [django_admin, "makemessages", "-l", LANGUAGE, "--no-obsolete", "--no-location", *ignores],
        cwd=ROOT,
        env=env,
        check=True,
    )


def compile_all() -> None:
    for po_path in catalogs():
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        with po_path.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)


def problems() -> list[str]:
    found: list[str] = []
    for po_path in catalogs():
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        for message in catalog:
            if not message.id:
                continue
            rel = po_path.relative_to(ROOT)
            if message.fuzzy:
                found.append(f"{rel}: fuzzy: {message.id!r}")
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings):
                found.append(f"{rel}: untranslated: {message.id!r}")
    return found


def todo(po_path: Path) -> dict[str, str]:
    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    pending = {}
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and (message.fuzzy or not all(strings)):
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            pending[key] = ""
    return pending


def fill(po_path: Path, translations: dict) -> int:
    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    filled = 0
    catalog.fuzzy = False  # the header
    for message in catalog:
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if not key or key not in translations or not translations[key]:
            continue
        value = translations[key]
        if isinstance(message.id, tuple):
            values = value if isinstance(value, list) else [value]
            message.string = tuple(
                values[: len(message.string)] + [values[-1]] * (len(message.string) - len(values))
            )
        else:
            message.string = value if isinstance(value, str) else value[0]
        message.flags.discard("fuzzy")
        filled += 1
    with po_path.open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False, include_previous=False)
    return filled


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "compile"
    if command == "extract":
        extract()
    elif command == "compile":
        compile_all()
    elif command == "check":
        issues = problems()
        for line in issues:
            print(line)
        print(f"{len(issues)} translation problem(s) in {len(catalogs())} catalog(s)")
        return 1 if issues else 0
    elif command == "todo":
        print(json.dumps(todo(Path(argv[1])), ensure_ascii=False, indent=1))
    elif command == "fill":
        count = fill(Path(argv[1]), json.load(sys.stdin))
        print(f"{count} entr(y/ies) filled in {argv[1]}")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
