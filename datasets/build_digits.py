"""Build the bundled scikit-learn digits dataset: 1,797 real 8x8 handwritten digits (64-d).

Source: the UCI ML hand-written digits data as shipped inside scikit-learn (`sklearn.datasets.load_digits`,
no download), license CC BY 4.0. 200 digits are held out as queries (fixed seed); the rest are the base;
the digit (0-9) is the payload column `label` for filters.

    .venv/bin/python datasets/build_digits.py
"""

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

OUT = Path(__file__).resolve().parent / "digits"


def main() -> None:
    digits = load_digits()
    order = np.random.default_rng(0).permutation(len(digits.data))
    queries, base = order[:200], np.sort(order[200:])
    OUT.mkdir(exist_ok=True)
    np.savez_compressed(
        OUT / "digits.npz", base=digits.data[base].astype(np.float32), queries=digits.data[queries].astype(np.float32),
        label=digits.target[base].astype(np.int64),
    )
    print(f"wrote {OUT / 'digits.npz'}: {len(base)} base vectors, {len(queries)} queries")


if __name__ == "__main__":
    main()
