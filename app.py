"""VectorScout dashboard: the router only; each page lives in views/.

The pages are not in a folder named ``pages/``: Streamlit treats such a folder beside the entry script as a
legacy multipage app and then shows the wrong navigation for direct links such as /results.
"""

import streamlit as st

from dashboard_ui import access_gate, sidebar

# No page_icon: a Material icon as favicon is fetched from a font CDN, and the dashboard must work offline.
st.set_page_config(page_title="VectorScout", layout="wide")
access_gate()

navigation = st.navigation(
    [
        st.Page("views/home.py", title="Home", default=True),
        st.Page("views/requirements.py", title="Requirements"),
        st.Page("views/datasets.py", title="Datasets"),
        st.Page("views/run.py", title="Run"),
        st.Page("views/results.py", title="Results"),
        st.Page("views/recommendation.py", title="Recommendation"),
        st.Page("views/cost.py", title="Cost"),
        st.Page("views/report.py", title="Report"),
    ]
)
sidebar()
navigation.run()
