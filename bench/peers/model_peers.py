#!/usr/bin/python3
"""Peer runs for `npm run bench:model`: XGBoost (hist) and scikit-learn's HistGradientBoostingClassifier.

Reads the matrices written by bench/model.ts (little-endian float32, row-major, NaN = missing; labels uint8) from
--dir, fits with the same hyper-parameters, and prints one JSON object on stdout. Run with Debian's system python:
    /usr/bin/python3 bench/peers/model_peers.py --peer xgboost --dir .tmp/bench-model/100k
Peak memory is this process's peak RSS (ru_maxrss); `data_mb` is the RSS right after loading the matrices.
"""
import argparse
import json
import resource
import sys
import time

import numpy as np


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def auc(y, s):
    order = np.argsort(s, kind="mergesort")
    s_sorted = s[order]
    ranks = np.empty(len(s), dtype=np.float64)
    # average ranks for ties
    _, inv, counts = np.unique(s_sorted, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    starts = ends - counts
    avg = (starts + ends + 1) / 2.0
    ranks[order] = avg[inv]
    pos = y == 1
    n_pos = pos.sum()
    n_neg = len(y) - n_pos
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def logloss(y, p):
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return float(-np.mean(np.where(y == 1, np.log(p), np.log(1 - p))))


def load(d, name, meta):
    n = meta[name]
    x = np.fromfile(f"{d}/{name}.f32", dtype="<f4").reshape(n, meta["nFeatures"])
    y = np.fromfile(f"{d}/{name}.y.u8", dtype=np.uint8)
    return x, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer", choices=["xgboost", "sklearn"], required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    with open(f"{args.dir}/meta.json") as f:
        meta = json.load(f)
    hp = meta["params"]
    try:
        if args.peer == "xgboost":
            import xgboost as xgb
            version = xgb.__version__
        else:
            import sklearn
            from sklearn.ensemble import HistGradientBoostingClassifier
            version = sklearn.__version__
    except ImportError as e:
        print(json.dumps({"peer": args.peer, "missing": str(e)}))
        return
    xtr, ytr = load(args.dir, "train", meta)
    xva, yva = load(args.dir, "valid", meta)
    xte, yte = load(args.dir, "test", meta)
    xsh = xte[: meta["shapRows"]]
    data_mb = rss_mb()
    cat = meta["categorical"]
    out = {"peer": args.peer, "version": version, "data_mb": data_mb}
    if args.peer == "xgboost":
        ftypes = ["c" if i in cat else "q" for i in range(meta["nFeatures"])]
        params = {
            "objective": "binary:logistic",
            "tree_method": "hist",
            "nthread": args.threads,
            "max_depth": hp["maxDepth"],
            "eta": hp["learningRate"],
            "max_bin": hp["maxBins"],
            "lambda": hp["lambda"],
            "min_child_weight": hp["minChildWeight"],
            "base_score": float(ytr.mean()),
            "eval_metric": "logloss",
            "seed": 0,
        }
        t0 = time.perf_counter()
        dtr = xgb.DMatrix(xtr, label=ytr, nthread=args.threads, feature_types=ftypes, enable_categorical=True)
        dva = xgb.DMatrix(xva, label=yva, nthread=args.threads, feature_types=ftypes, enable_categorical=True)
        t1 = time.perf_counter()
        booster = xgb.train(params, dtr, num_boost_round=hp["nTrees"], evals=[(dva, "valid")], verbose_eval=False)
        t2 = time.perf_counter()
        out["dmatrix_s"] = t1 - t0
        out["fit_s"] = t2 - t0
        t0 = time.perf_counter()
        dte = xgb.DMatrix(xte, nthread=args.threads, feature_types=ftypes, enable_categorical=True)
        p = booster.predict(dte)
        out["predict_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        dsh = xgb.DMatrix(xsh, nthread=args.threads, feature_types=ftypes, enable_categorical=True)
        contrib = booster.predict(dsh, pred_contribs=True)
        out["shap_s"] = time.perf_counter() - t0
        margin = booster.predict(dsh, output_margin=True)
        out["shap_additivity_err"] = float(np.max(np.abs(contrib.sum(axis=1) - margin)))
    else:
        clf = HistGradientBoostingClassifier(
            max_iter=hp["nTrees"],
            learning_rate=hp["learningRate"],
            max_depth=hp["maxDepth"],
            max_leaf_nodes=None,
            max_bins=hp["maxBins"],
            l2_regularization=hp["lambda"],
            early_stopping=False,
            categorical_features=[i in cat for i in range(meta["nFeatures"])],
            random_state=0,
        )
        t0 = time.perf_counter()
        clf.fit(xtr, ytr)
        out["fit_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        p = clf.predict_proba(xte)[:, 1]
        out["predict_s"] = time.perf_counter() - t0
        out["shap_s"] = None
    out["auc"] = auc(yte, p.astype(np.float64))
    out["logloss"] = logloss(yte, p.astype(np.float64))
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
