import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard_ui import show_chart, show_table
from vectorscout.data.datasets import dataset_listing, imported_entries, load_dataset
from vectorscout.data.downloads import PUBLIC, DownloadError, download_dataset
from vectorscout.data.importers import FORMATS, DatasetImportError, extract_archive, import_isolated
from vectorscout.home import subdir
from vectorscout.reporting.charts import projection_figure

st.title("Datasets")


def catalog_fingerprint() -> str:
    """Changes when an import adds, replaces or removes a dataset (bundled files never change while we run)."""
    return json.dumps(imported_entries(), sort_keys=True, default=str)


@st.cache_data(show_spinner="Reading the dataset catalog…", max_entries=4)
def catalog_table(fingerprint: str) -> pd.DataFrame:
    return pd.DataFrame([{
        "Name": d["name"], "Kind": d["kind"], "Vectors": "generated" if d.get("n") is None else f"{d['n']:,}",
        "Dims": "any" if d.get("dim") is None else str(d["dim"]),
        # judged queries (relevance judgments, for nDCG and hybrid quality) say so in the same cell: one column
        # fewer keeps the catalog inside the page's column in projector mode
        "Queries": ("generated" if d.get("queries") is None else f"{d['queries']:,}")
                   + (", judged" if d.get("has_qrels") else ""), "Metric": d["metric"],
        # the license before the (long) source, so it is in view without scrolling the table
        "License": d.get("license") or "not recorded", "Source": d.get("source") or "not recorded",
    } for d in dataset_listing()])


@st.cache_data(show_spinner="Projecting the vectors (PCA)…", max_entries=16)
def projection(name: str, colour_by: str, fingerprint: str) -> Any:
    data = load_dataset(name)
    column = None if colour_by == NO_COLOUR else data.payloads[colour_by]
    return projection_figure(data.base, column, colour_by, hover=data.texts)


NO_COLOUR = "(none)"
fingerprint = catalog_fingerprint()
catalog = catalog_table(fingerprint)
show_table(catalog, every_row=True)  # bundled sets and every import, none scrolled out of sight

st.subheader("Preview")
previewable = [name for name, kind in zip(catalog["Name"], catalog["Kind"]) if kind != "generator"]
name = st.selectbox("Dataset", previewable, key="preview")
if name:
    data = load_dataset(name)
    if data.texts:
        st.caption("Sample documents")
        show_table(pd.DataFrame({"Text": data.texts[:10]}))
    if data.query_texts:
        st.caption("Sample queries")
        show_table(pd.DataFrame({"Query": data.query_texts[:10]}))
    colour_by = st.selectbox("Colour by", [NO_COLOUR, *sorted(data.payloads)], key="colour")
    show_chart(projection(name, colour_by, fingerprint), key="projection")

st.subheader("Import")
st.caption("Folders (BEIR, TEXMEX, VectorDBBench) are uploaded as one .zip. Nothing is registered unless the "
           "whole file is valid.")
upload = st.file_uploader("File", key="upload")
left, right = st.columns(2)
fmt = left.selectbox("Format", ["auto", *FORMATS], key="format",
                     format_func=lambda f: "from the file name and contents" if f == "auto" else f)
new_name = right.text_input("Name", placeholder="lower-case, digits, - and _", key="name")
metric = left.selectbox("Metric", ["(from the file)", "cosine", "l2", "ip"], key="metric")
vector_column = right.text_input("Vector column (Parquet/CSV)", key="vector_column")
license_text = st.text_input("License of the data", key="license")
replace_truth = st.checkbox(
    "Replace shipped neighbours that disagree with exact ones", key="replace_truth",
    help="Shipped ground truth that differs from the exact neighbours on more than 1 % of a sample is refused "
         "(usually a wrong metric). Ticked, the import goes on and runs measure against exact neighbours.")
if st.button("Import", type="primary", disabled=upload is None or not new_name):
    progress = st.progress(0.0, text="reading")
    with tempfile.TemporaryDirectory(dir=subdir("staging")) as scratch:  # in the home; removed on any outcome
        target = Path(scratch) / Path(upload.name).name
        target.write_bytes(upload.getvalue())
        try:
            if target.suffix.lower() == ".zip":
                unpacked = Path(scratch) / "unpacked"
                unpacked.mkdir()
                target = extract_archive(target, unpacked)
            options = {key: value for key, value in (("vector_column", vector_column), ("license", license_text)) if value}
            entry = import_isolated(
                target, fmt, new_name.strip(), None if metric.startswith("(") else metric,
                progress=lambda done, total: progress.progress(done / total, text=f"embedding {done:,}/{total:,}"),
                replace_ground_truth=replace_truth, **options,
            )
        except DatasetImportError as exc:
            st.error(str(exc))
        else:
            progress.progress(1.0, text="done")
            st.success(f"Imported {entry['name']}: {entry['n']:,} vectors × {entry['dim']}, ground truth "
                       f"{entry['ground_truth_check']}.")

st.subheader("Download a public dataset")
st.caption("Needs internet. Interrupted downloads resume; sizes and checksums are checked before import.")
public = st.selectbox("Public dataset", list(PUBLIC), key="public",
                      format_func=lambda n: f"{n} ({PUBLIC[n].format}, {PUBLIC[n].license})")
if st.button("Download and import", key="download"):
    bar = st.progress(0.0, text="connecting")
    try:
        entry = download_dataset(
            public, lambda done, total: bar.progress(min(1.0, done / total) if total else 0.0,
                                                     text=f"{done / 2**20:,.1f} MB"),
        )
    except (DownloadError, DatasetImportError) as exc:
        st.error(str(exc))
    else:
        st.success(f"Imported {entry['name']}: {entry['n']:,} vectors × {entry['dim']}.")
