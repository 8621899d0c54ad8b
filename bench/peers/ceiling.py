#!/usr/bin/python3
"""Peer fits for `npm run bench:ceiling`: XGBoost on the 0/1 labels and on the true probabilities.

Reads what bench/ceiling.ts writes to --dir: train_/test_ X.bin (float32, column-major: feature j of row i at
j * rows + i, NaN = missing), y.bin (uint8 labels) and truth.bin (float32 true probability of the positive class),
H.bin (float32, column-major: the extra visit-history features), plus meta.json. All fits hold out a random 20% of the training rows for early stopping on log-loss (which XGBoost
computes against soft targets too) and print the test AUCs against the 0/1 test labels as JSON:
    /usr/bin/python3 bench/peers/ceiling.py --dir .tmp/bench-ceiling/churn
"""
import argparse
import json

import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score

PARAMS = dict(eta=0.05, max_depth=5, min_child_weight=5, subsample=0.8, colsample_bytree=0.5, tree_method="hist",
              nthread=2, eval_metric="logloss", seed=1)


def load(d, part, rows, features, history):
    X = np.fromfile(f"{d}/{part}_X.bin", dtype=np.float32).reshape(features, rows).T
    H = np.fromfile(f"{d}/{part}_H.bin", dtype=np.float32).reshape(history, rows).T
    y = np.fromfile(f"{d}/{part}_y.bin", dtype=np.uint8).astype(np.float32)
    t = np.fromfile(f"{d}/{part}_truth.bin", dtype=np.float32)
    return X, H, y, t


def fit_auc(X, target, Xt, yt, objective):
    held = np.random.default_rng(1).random(len(target)) < 0.2
    fit = xgb.DMatrix(X[~held], label=target[~held])
    hold = xgb.DMatrix(X[held], label=target[held])
    booster = xgb.train({**PARAMS, "objective": objective}, fit, 3000, evals=[(hold, "held")],
                        early_stopping_rounds=50, verbose_eval=False)
    p = booster.predict(xgb.DMatrix(Xt), iteration_range=(0, booster.best_iteration + 1))
    return float(roc_auc_score(yt, p))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    d = ap.parse_args().dir
    meta = json.load(open(f"{d}/meta.json"))
    X, H, y, t = load(d, "train", meta["train"], meta["features"], meta["history"])
    Xt, Ht, yt, _ = load(d, "test", meta["test"], meta["features"], meta["history"])
    print(json.dumps({
        "labels": fit_auc(X, y, Xt, yt, "binary:logistic"),
        "truth": fit_auc(X, t, Xt, yt, "reg:logistic"),
        "history": fit_auc(np.hstack([X, H]), t, np.hstack([Xt, Ht]), yt, "reg:logistic"),
    }))


if __name__ == "__main__":
    main()
