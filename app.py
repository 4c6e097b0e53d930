"""VectorScout dashboard: the router only; each page lives in pages/."""

import streamlit as st

st.set_page_config(page_title="VectorScout", page_icon=":material/radar:", layout="wide")

navigation = st.navigation(
    [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("pages/run.py", title="Run", icon=":material/play_arrow:"),
        st.Page("pages/results.py", title="Results", icon=":material/insights:"),
    ]
)
navigation.run()
