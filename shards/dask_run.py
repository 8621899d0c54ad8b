#!/usr/bin/env python3
"""Sharded scoring on a Dask cluster: submits the N shard jobs of a frozen-model run (each the command
`npm run score -- --model RUN --as-of DATE --shard i/N --out WORK/shard-i`, as a subprocess on a worker) to a
dask.distributed cluster, then merges the shard folders (`npm run merge`) into OUT.

With no --scheduler, a LocalCluster on 127.0.0.1 (--workers processes, one thread each) runs the jobs; with
--scheduler tcp://HOST:8786, an existing cluster does (its workers need this repository at the same path, or give
--repo, and `npm ci` done). The scheduling, retries of lost workers and placement are Dask's; this script only
builds the commands and checks their exit statuses. Each shard's progress lines go to WORK/shard-i.log, the
merge's to WORK/merge.log.

Inputs in the person-partitioned layout (`person_part=K` folders, e.g. written by `npm run partition`) need no
flag: each shard finds them from the configuration's paths and reads only its partitions (K % N = i).

  /usr/bin/python3 shards/dask_run.py --config my.config.ts --model runs/2026-10-01 --as-of 2026-10-31 \
      --shards 4 --workers 2 --work .tmp/shards --out scores

Exit status: 0 when every shard and the merge succeeded; 2 with one line on stderr for a bad argument or a shard
or merge that failed (the failing command's last error line).
"""
import argparse
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def npm(repo, script, args):
    """Runs `npm run --silent SCRIPT -- ARGS` in `repo`; returns (status, stdout, stderr)."""
    done = subprocess.run(["npm", "run", "--silent", script, "--", *args], cwd=repo, capture_output=True, text=True)
    return done.returncode, done.stdout, done.stderr


def score_shard(repo, common, index, count, out):
    """One shard's job (runs on a Dask worker); its progress lines go to OUT.log beside the shard folder."""
    status, _, stderr = npm(repo, "score", [*common, "--shard", f"{index}/{count}", "--out", out])
    with open(f"{out}.log", "w", encoding="utf-8") as log:
        log.write(stderr)
    lines = [line for line in stderr.splitlines() if line.strip()]
    return {"index": index, "status": status, "out": out, "last": lines[-1] if lines else ""}


class OneLineParser(argparse.ArgumentParser):
    """Argument mistakes are one line on stderr and exit 2 (not the usage block)."""

    def error(self, message):
        print(f"error: {message} (see --help)", file=sys.stderr)
        sys.exit(2)


def main(argv=None):
    parser = OneLineParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help="configuration file (default: the demo's)")
    parser.add_argument("--model", required=True, help="folder of the trained run whose models score")
    parser.add_argument("--as-of", required=True, dest="as_of", help="as-of date YYYY-MM-DD (the same for every shard)")
    parser.add_argument("--shards", required=True, type=int, help="number of shards N")
    parser.add_argument("--work", required=True, help="folder for the shard folders (WORK/shard-i)")
    parser.add_argument("--out", required=True, help="folder of the merged run")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (default 2)")
    parser.add_argument("--scheduler", help="address of an existing Dask scheduler instead of a LocalCluster")
    parser.add_argument("--repo", default=REPO, help="this repository's folder on the workers")
    args = parser.parse_args(argv)
    if args.shards < 1:
        print(f"error: --shards: expected at least 1 but got {args.shards}", file=sys.stderr)
        return 2
    if args.workers < 1:
        print(f"error: --workers: expected at least 1 but got {args.workers}", file=sys.stderr)
        return 2

    from dask.distributed import Client, LocalCluster

    common = ["--model", os.path.abspath(args.model), "--as-of", args.as_of]
    if args.config:
        common += ["--config", os.path.abspath(args.config)]
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    outs = [os.path.join(work, f"shard-{i}") for i in range(args.shards)]

    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)
    try:
        # pure=False: each shard is its own job even when the arguments repeat.
        futures = [client.submit(score_shard, args.repo, common, i, args.shards, outs[i], pure=False, key=f"shard-{i}-of-{args.shards}") for i in range(args.shards)]
        results = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    for r in sorted(results, key=lambda r: r["index"]):
        print(f"shard {r['index']}/{args.shards}: exit {r['status']}", file=sys.stderr)
    failed = [r for r in results if r["status"] != 0]
    if failed:
        r = failed[0]
        print(f"error: shard {r['index']}/{args.shards} failed (exit {r['status']}): {r['last']}", file=sys.stderr)
        return 2
    status, stdout, stderr = npm(args.repo, "merge", ["--shards", ",".join(outs), "--out", os.path.abspath(args.out)])
    with open(os.path.join(work, "merge.log"), "w", encoding="utf-8") as log:
        log.write(stderr)
    if status != 0:
        lines = [line for line in stderr.splitlines() if line.strip()]
        print(f"error: merge failed (exit {status}): {lines[-1] if lines else ''}", file=sys.stderr)
        return 2
    sys.stdout.write(stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
