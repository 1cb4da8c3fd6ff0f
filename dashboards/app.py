"""The consortium dashboards: ``streamlit run dashboards/app.py`` (or ``consortium dashboard``).

One multipage app (``st.navigation``), one file per page in ``dashboards/pages/``,
reading the chains through the nodes' gRPC API.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# Streamlit runs this file as a script: make the project importable from it.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PAGES_DIR = Path(__file__).resolve().parent / "pages"

PAGES = (
    ("overview.py", "Consortium overview", "🛰️"),
    ("explorer.py", "Explorer", "🔎"),
    ("enterprise.py", "Enterprise", "🏭"),
    ("bank.py", "Bank", "🏦"),
    ("regulator.py", "Regulator and auditor", "⚖️"),
)


def main() -> None:
    """Lay out the app and run the chosen page."""
    st.set_page_config(page_title="Tax–Industry–Finance Consortium", layout="wide")
    pages = [
        st.Page(str(PAGES_DIR / file), title=title, icon=icon)
        for file, title, icon in PAGES
        if (PAGES_DIR / file).exists()
    ]
    st.navigation(pages).run()


main()
