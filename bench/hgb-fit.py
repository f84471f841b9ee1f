"""Python side of bench/hgb-fit.mjs: the reference data and scikit-learn's fit times.

  /usr/bin/python3 bench/hgb-fit.py prepare CSV OUT_DIR SCALES   # e.g. 1,10,50
  /usr/bin/python3 bench/hgb-fit.py time FILE REPEATS

`prepare` builds the flagship training matrix exactly as params.yaml's pipeline does, with
bench/sklearn_train.py's `features` (the reference's steps: train_test_split(test_size=0.2,
random_state=42), SimpleImputer(median) on total_bedrooms, OneHotEncoder(handle_unknown='ignore')
on ocean_proximity appended after the numeric columns, then the 3 ratios from the imputed values;
measurements in bench/README.md before this change used the earlier ColumnTransformer order, whose
columns are the same 16 in another order) and writes it, replicated k times with small seeded
noise on the non-one-hot features and the target (the first copy is the original), as raw float64
files: OUT_DIR/hgb-{k}x.bin
holds n rows of [16 features..., y], row-major, and OUT_DIR/hgb-{k}x.json its shape. Both sides
fit on exactly these numbers, so the timings compare the estimators alone.

`time` fits HistGradientBoostingRegressor(max_depth=8, learning_rate=0.1, max_iter=200,
random_state=42) REPEATS times on FILE and prints {"seconds": [...], "n_iter": ..., "threads": ...}.
"""
import json
import os
import sys
import time

import numpy as np


def prepare(csv, out_dir, scales):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from sklearn_train import features, split_frames

    X_train, X_test, y_train, _ = split_frames(csv)
    A, _, columns, _ = features(X_train, X_test)
    base = np.column_stack([A, y_train])
    noisy_cols = [j for j, c in enumerate(columns) if not c.startswith("ocean_proximity_")]
    rs = np.random.RandomState(0)
    for k in scales:
        parts = [base]
        for _ in range(1, k):
            noisy = base.copy()
            noisy[:, noisy_cols] *= 1 + 0.002 * (rs.random_sample((len(base), len(noisy_cols))) - 0.5)
            noisy[:, -1] *= 1 + 0.002 * (rs.random_sample(len(base)) - 0.5)
            parts.append(noisy)
        data = np.ascontiguousarray(np.vstack(parts))
        stem = os.path.join(out_dir, f"hgb-{k}x")
        data.tofile(stem + ".bin")
        with open(stem + ".json", "w") as f:
            json.dump(dict(rows=data.shape[0], features=data.shape[1] - 1), f)


def time_fits(path, repeats):
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

    with open(path[:-4] + ".json") as f:
        shape = json.load(f)
    data = np.fromfile(path, dtype=np.float64).reshape(shape["rows"], shape["features"] + 1)
    X, y = data[:, :-1], data[:, -1].copy()
    seconds = []
    for _ in range(repeats):
        model = HistGradientBoostingRegressor(max_depth=8, learning_rate=0.1, max_iter=200, random_state=42)
        t = time.perf_counter()
        model.fit(X, y)
        seconds.append(time.perf_counter() - t)
    print(json.dumps(dict(seconds=seconds, n_iter=int(model.n_iter_), threads=_openmp_effective_n_threads())))


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3], [int(s) for s in sys.argv[4].split(",")])
    elif sys.argv[1] == "time":
        time_fits(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
