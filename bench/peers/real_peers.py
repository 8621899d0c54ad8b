#!/usr/bin/python3
"""The RFM + XGBoost peer of `npm run bench:real`: the short script a data scientist would write.

bench/real.ts writes, into --dir, RFM features of the people seen before an earlier cutoff (cutoff - window) with
their outcome in [cutoff - window, cutoff), and the same features at the cutoff for the people to score:
    meta.json      {"features": [names], "train": rows, "test": rows}
    train_X.f32    little-endian float32, row-major, NaN = missing
    train_y.u8     0/1 labels
    test_X.f32     the people to score
This fits XGBoost on the training rows, writes the test probabilities to test_pred.f64 (little-endian float64) and
prints one JSON object on stdout. Run with Debian's system python:
    /usr/bin/python3 bench/peers/real_peers.py --dir .tmp/bench-real/peers/<case>
"""
import argparse
import json
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    try:
        import xgboost as xgb
    except ImportError as e:
        print(json.dumps({"missing": f"xgboost: {e} (apt-get install -y python3-xgboost)"}))
        return
    with open(f"{args.dir}/meta.json") as f:
        meta = json.load(f)
    k = len(meta["features"])
    x_train = np.fromfile(f"{args.dir}/train_X.f32", dtype="<f4").reshape(meta["train"], k)
    y_train = np.fromfile(f"{args.dir}/train_y.u8", dtype=np.uint8)
    x_test = np.fromfile(f"{args.dir}/test_X.f32", dtype="<f4").reshape(meta["test"], k)
    model = xgb.XGBClassifier(
        n_estimators=200,
        max_depth=4,
        learning_rate=0.05,
        subsample=0.8,
        colsample_bytree=0.8,
        tree_method="hist",
        n_jobs=args.threads,
        random_state=0,
    )
    model.fit(x_train, y_train)
    pred = model.predict_proba(x_test)[:, 1].astype("<f8")
    pred.tofile(f"{args.dir}/test_pred.f64")
    print(json.dumps({"xgboost": xgb.__version__, "train": int(len(y_train)), "positives": int(y_train.sum()), "test": int(len(pred))}))


if __name__ == "__main__":
    sys.exit(main())
