"""The Python reference for bench/train.mjs: the flagship pipeline in scikit-learn.

Same split, preprocessing and model parameters as mlship's params.yaml. Prints one JSON line with
fit seconds (the estimator's fit alone, as mlship's fit_seconds is) and train/test metrics.
Usage: /usr/bin/python3 bench/sklearn_train.py CSV [--model hgb|random_forest|linear]
                                                   [--preprocessing impute_encode_ratios|ratios_impute_encode]

The two preprocessing orders are params.yaml's `preprocessing.order` (README.md, "Training"):
- impute_encode_ratios (the flagship, the reference's pipelines/train.py step for step, no
  ColumnTransformer): on the train rows, SimpleImputer(strategy="median") on total_bedrooms only;
  OneHotEncoder(handle_unknown="ignore") on ocean_proximity, its columns appended after the
  numeric ones and ocean_proximity dropped; then the three ratios from the imputed values,
  appended last. 8 numeric + 5 one-hot + 3 ratio columns.
- ratios_impute_encode (mlship's earlier order): the ratios from the raw values, then a
  ColumnTransformer imputing every numeric and ratio column (median) and one-hot encoding
  ocean_proximity. 8 numeric + 3 ratio + 5 one-hot columns.
Division by zero gives a missing value on both (mlship's rule; pandas alone would give inf).

test/fixtures/gen_reference_pipeline.py, gen_flagship.py and gen_flagship_models.py and
bench/hgb-fit.py import `split_frames` and `features` from here, so every fixture and benchmark
builds the matrix the same way.
"""
import argparse
import json
import time

import numpy as np
import pandas as pd

TARGET = "median_house_value"
NUMERIC = [
    "longitude", "latitude", "housing_median_age", "total_rooms", "total_bedrooms",
    "population", "households", "median_income",
]
CATEGORICAL = "ocean_proximity"
RATIOS = [
    ("rooms_per_household", "total_rooms", "households"),
    ("bedrooms_per_room", "total_bedrooms", "total_rooms"),
    ("population_per_household", "population", "households"),
]
ORDERS = ["impute_encode_ratios", "ratios_impute_encode"]


def add_ratios(df):
    """df with the three ratio columns appended (division by zero: NaN)."""
    df = df.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        for name, num, den in RATIOS:
            df[name] = (df[num] / df[den]).replace([np.inf, -np.inf], np.nan)
    return df


def split_frames(csv):
    """The CSV read with pandas and split as params.yaml splits it: (X_train, X_test, y_train, y_test)."""
    from sklearn.model_selection import train_test_split

    df = pd.read_csv(csv)
    y = df.pop(TARGET).to_numpy(dtype=float)
    return train_test_split(df, y, test_size=0.2, random_state=42)


def features(X_train, X_test, order="impute_encode_ratios"):
    """The model's input matrices for the train and test rows, fitted on the train rows.

    Returns (Z_train, Z_test, column_names, imputer_statistics)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder

    if order == "impute_encode_ratios":
        X_train, X_test = X_train.copy(), X_test.copy()
        # 1. median imputation of total_bedrooms only, fitted on the train rows
        imputer = SimpleImputer(strategy="median")
        X_train[["total_bedrooms"]] = imputer.fit_transform(X_train[["total_bedrooms"]])
        X_test[["total_bedrooms"]] = imputer.transform(X_test[["total_bedrooms"]])
        # 2. one-hot ocean_proximity, appended after the numeric columns, the column dropped
        encoder = OneHotEncoder(handle_unknown="ignore")
        encoder.fit(X_train[[CATEGORICAL]])
        names = list(encoder.get_feature_names_out([CATEGORICAL]))

        def encode(X):
            onehot = pd.DataFrame(encoder.transform(X[[CATEGORICAL]]).toarray(), columns=names, index=X.index)
            return pd.concat([X.drop(columns=[CATEGORICAL]), onehot], axis=1)

        # 3. the ratios from the imputed values, appended last
        Z_train, Z_test = add_ratios(encode(X_train)), add_ratios(encode(X_test))
        return (Z_train.to_numpy(dtype=float), Z_test.to_numpy(dtype=float), list(Z_train.columns),
                imputer.statistics_.tolist())
    if order == "ratios_impute_encode":
        X_train, X_test = add_ratios(X_train), add_ratios(X_test)
        numeric = NUMERIC + [name for name, _, _ in RATIOS]
        ct = ColumnTransformer([
            ("num", SimpleImputer(strategy="median"), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore"), [CATEGORICAL]),
        ])
        Z_train = np.asarray(ct.fit_transform(X_train), dtype=float)
        Z_test = np.asarray(ct.transform(X_test), dtype=float)
        onehot = list(ct.named_transformers_["cat"].get_feature_names_out([CATEGORICAL]))
        return Z_train, Z_test, numeric + onehot, ct.named_transformers_["num"].statistics_.tolist()
    raise SystemExit(f"unknown preprocessing order {order} (expected one of {', '.join(ORDERS)})")


def make_model(name):
    from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
    from sklearn.linear_model import LinearRegression

    if name == "hgb":
        return HistGradientBoostingRegressor(max_depth=8, learning_rate=0.1, max_iter=200, random_state=42)
    if name == "random_forest":
        return RandomForestRegressor(n_estimators=200, random_state=42, n_jobs=-1)
    if name == "linear":
        return LinearRegression()
    raise SystemExit(f"unknown model {name}")


def scores(yt, yp):
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    return {"rmse": mean_squared_error(yt, yp) ** 0.5, "mae": mean_absolute_error(yt, yp), "r2": r2_score(yt, yp)}


def main():
    import sklearn

    p = argparse.ArgumentParser()
    p.add_argument("csv")
    p.add_argument("--model", default="hgb")
    p.add_argument("--preprocessing", default="impute_encode_ratios", choices=ORDERS)
    args = p.parse_args()

    X_train, X_test, ytr, yte = split_frames(args.csv)
    Ztr, Zte, _, _ = features(X_train, X_test, args.preprocessing)
    model = make_model(args.model)
    t0 = time.perf_counter()
    model.fit(Ztr, ytr)
    fit_seconds = time.perf_counter() - t0
    print(json.dumps({
        "sklearn_version": sklearn.__version__,
        "preprocessing": args.preprocessing,
        "fit_seconds": fit_seconds,
        "n_iter": int(getattr(model, "n_iter_", 0)),
        "n_train": len(ytr),
        "n_test": len(yte),
        "train": scores(ytr, model.predict(Ztr)),
        "test": scores(yte, model.predict(Zte)),
    }))


if __name__ == "__main__":
    main()
