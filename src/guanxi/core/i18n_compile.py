"""Compile every django.po under a locale directory into django.mo (Babel; no gettext needed).

Run by `make` so the zh_Hans catalog is always built from the committed .po file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def compile_catalogs(root: Path) -> int:
    count = 0
    for po_path in sorted(root.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        count += 1
    return count


if __name__ == "__main__":
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "src/guanxi/locale")
    print(f"compiled {compile_catalogs(root)} catalog(s) under {root}")
