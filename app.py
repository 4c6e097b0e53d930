"""VectorScout dashboard: the router only; each page lives in views/.

The pages are not in a folder named ``pages/``: Streamlit treats such a folder beside the entry script as a
legacy multipage app and then shows the wrong navigation for direct links such as /results.
"""

import streamlit as st

from dashboard_ui import PAGES, access_gate, keep_workshop_in_url, sidebar

# No page_icon: a Material icon as favicon is fetched from a font CDN, and the dashboard must work offline.
st.set_page_config(page_title="VectorScout", layout="wide")
access_gate()
keep_workshop_in_url()

navigation = st.navigation([st.Page(path, title=title, default=(place == 0)) for place, (path, title) in enumerate(PAGES)])
sidebar()
navigation.run()
