"""Python side of bench/hgb-fit.mjs: the reference data and scikit-learn's fit times.

  /usr/bin/python3 bench/hgb-fit.py prepare CSV OUT_DIR SCALES   # e.g. 1,10,50
  /usr/bin/python3 bench/hgb-fit.py time FILE REPEATS

`prepare` builds the flagship training matrix exactly as the reference pipeline does
(ColumnTransformer: SimpleImputer(median) on the 11 numeric columns incl. the 3 engineered
ratios, OneHotEncoder(handle_unknown='ignore') on ocean_proximity; train_test_split(test_size=0.2,
random_state=42)) and writes it, replicated k times with small seeded noise on the numeric
features and the target (the first copy is the original), as raw float64 files: OUT_DIR/hgb-{k}x.bin
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
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import OneHotEncoder

    df = pd.read_csv(csv)
    df["rooms_per_household"] = df.total_rooms / df.households
    df["bedrooms_per_room"] = df.total_bedrooms / df.total_rooms
    df["population_per_household"] = df.population / df.households
    y = df.pop("median_house_value").to_numpy(dtype=float)
    numeric = [
        "longitude", "latitude", "housing_median_age", "total_rooms", "total_bedrooms",
        "population", "households", "median_income",
        "rooms_per_household", "bedrooms_per_room", "population_per_household",
    ]
    X_train, _, y_train, _ = train_test_split(df, y, test_size=0.2, random_state=42)
    ct = ColumnTransformer([
        ("num", SimpleImputer(strategy="median"), numeric),
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["ocean_proximity"]),
    ])
    A = np.asarray(ct.fit_transform(X_train), dtype=float)
    base = np.column_stack([A, y_train])
    n_numeric = len(numeric)
    rs = np.random.RandomState(0)
    for k in scales:
        parts = [base]
        for _ in range(1, k):
            noisy = base.copy()
            noisy[:, :n_numeric] *= 1 + 0.002 * (rs.random_sample((len(base), n_numeric)) - 0.5)
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
