"""The Python reference for bench/train.mjs: the flagship pipeline in scikit-learn.

Same features, split and model parameters as mlship's params.yaml. Prints one JSON line with
fit seconds (the estimator's fit alone, as mlship's fit_seconds is) and train/test metrics.
Usage: /usr/bin/python3 bench/sklearn_train.py CSV [--model hgb|random_forest|linear]
"""
import argparse
import json
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OneHotEncoder

p = argparse.ArgumentParser()
p.add_argument("csv")
p.add_argument("--model", default="hgb")
args = p.parse_args()

df = pd.read_csv(args.csv)
y = df.pop("median_house_value").to_numpy()
with np.errstate(divide="ignore", invalid="ignore"):
    # mlship's spec: division by zero gives a missing value (pandas would give inf)
    for name, num, den in [
        ("rooms_per_household", "total_rooms", "households"),
        ("bedrooms_per_room", "total_bedrooms", "total_rooms"),
        ("population_per_household", "population", "households"),
    ]:
        df[name] = (df[num] / df[den]).replace([np.inf, -np.inf], np.nan)
Xtr, Xte, ytr, yte = train_test_split(df, y, test_size=0.2, random_state=42)
numeric = [c for c in df.columns if c != "ocean_proximity"]
pre = ColumnTransformer([
    ("num", SimpleImputer(strategy="median"), numeric),
    ("cat", OneHotEncoder(handle_unknown="ignore"), ["ocean_proximity"]),
])
Ztr = pre.fit_transform(Xtr)
Zte = pre.transform(Xte)
if args.model == "hgb":
    model = HistGradientBoostingRegressor(max_depth=8, learning_rate=0.1, max_iter=200, random_state=42)
elif args.model == "random_forest":
    model = RandomForestRegressor(n_estimators=200, random_state=42, n_jobs=-1)
elif args.model == "linear":
    model = LinearRegression()
else:
    raise SystemExit(f"unknown model {args.model}")
t0 = time.perf_counter()
model.fit(Ztr, ytr)
fit_seconds = time.perf_counter() - t0


def scores(yt, yp):
    return {"rmse": mean_squared_error(yt, yp) ** 0.5, "mae": mean_absolute_error(yt, yp), "r2": r2_score(yt, yp)}


print(json.dumps({
    "sklearn_version": sklearn.__version__,
    "fit_seconds": fit_seconds,
    "n_iter": int(getattr(model, "n_iter_", 0)),
    "n_train": len(ytr),
    "n_test": len(yte),
    "train": scores(ytr, model.predict(Ztr)),
    "test": scores(yte, model.predict(Zte)),
}))
