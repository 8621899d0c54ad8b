/**
 * Sharded scoring: `score --model --shard i/N` on each of N shards, then `merge`, writes the same files, byte for
 * byte (scores, factors, timelines, instance.json, insights.json, the data-quality report), as one frozen-model run
 * over everyone at the same as-of date; bad --shard values and shards of different runs are one clear line (exit 2).
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mergeCommand } from "../../loaders/cli/merge.js";
import { exitStatusOf } from "../../loaders/cli/run.js";
import { scoreCommand } from "../../loaders/cli/commands/score.js";
import type { ResolvedConfig } from "../../loaders/config/types.js";
import { generateDemo } from "../../loaders/demo/generate.js";
import { dateOf, dayOf } from "../../loaders/ingest/dates.js";
import { runPipeline } from "../../loaders/pipeline/run.js";
import type { Insights, InstanceSummary, RunIndex } from "../../loaders/contract/schema.js";
import { mergeShards } from "../../loaders/shards/merge.js";
import { smallDemoConfig } from "../small-demo.js";

const SHARDS = 4;
let dir: string;
let asOf: string;

function smallConfig(): ResolvedConfig {
  return smallDemoConfig(join(dir, "data"), 40);
}

const digest = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const json = <T>(file: string) => JSON.parse(readFileSync(file, "utf8")) as T;
const shardDirs = (kind = "") => Array.from({ length: SHARDS }, (_, i) => join(dir, `shard${kind}-${i}`));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "customer-ai-shards-"));
  await generateDemo({ profiles: 3000, seed: 5, outDir: join(dir, "data") });
  // Trained three weeks before the last event; rescored as of the last event with the model's fitted parameters.
  await runPipeline(Object.assign(smallConfig(), { asOf: "2026-10-10" }), { out: join(dir, "trained") });
  asOf = "2026-10-31";
  const config = () => Object.assign(smallConfig(), { asOf });
  await runPipeline(config(), { out: join(dir, "single"), model: join(dir, "trained") });
  for (const [i, out] of shardDirs().entries())
    await runPipeline(config(), { out, model: join(dir, "trained"), shard: { index: i, count: SHARDS } });
  await mergeShards(shardDirs().reverse(), join(dir, "merged"));
  // Buckets on the percentile (known only over everyone): the same model, another bucket rule.
  const percentile = () => {
    const c = config();
    for (const inst of c.instances) inst.buckets = { on: "percentile", high: 90, medium: 60 };
    return c;
  };
  await runPipeline(percentile(), { out: join(dir, "single-p"), model: join(dir, "trained") });
  for (const [i, out] of shardDirs("p").entries())
    await runPipeline(percentile(), { out, model: join(dir, "trained"), shard: { index: i, count: SHARDS } });
  await mergeShards(shardDirs("p"), join(dir, "merged-p"));
}, 900_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sharded scoring and merge", () => {
  it("splits the people: every scored person is in exactly one shard", () => {
    const index = json<RunIndex>(join(dir, "single", "index.json"));
    for (const { name } of index.instances) {
      const single = json<InstanceSummary>(join(dir, "single", name, "instance.json")).scored;
      const shards = shardDirs().map((d) => json<InstanceSummary>(join(d, name, "instance.json")).scored);
      expect(shards.every((n) => n > 0 && n < single)).toBe(true);
      expect(shards.reduce((a, b) => a + b, 0)).toBe(single);
    }
  });

  it.each([
    ["buckets on the score", ""],
    ["buckets on the percentile", "-p"],
  ])(
    "merges into the single run's files byte for byte: scores, factors, timelines, instance, insights, data quality (%s)",
    (_, kind) => {
      const [one, all] = [`single${kind}`, `merged${kind}`];
      const index = json<RunIndex>(join(dir, one, "index.json"));
      expect(json<RunIndex>(join(dir, all, "index.json"))).toEqual(index);
      expect(index.instances.length).toBeGreaterThan(0);
      for (const file of ["activity.parquet", "new-people.parquet"])
        expect(digest(join(dir, all, file)), file).toBe(digest(join(dir, one, file)));
      for (const { name } of index.instances) {
        const [single, merged] = [one, all].map((run) => json<InstanceSummary>(join(dir, run, name, "instance.json")));
        expect(single!.buckets.rule.on).toBe(kind ? "percentile" : "score");
        // On the percentile, shards keep every person's contributions for the merge; on the score, sums per score do.
        expect(existsSync(join(shardDirs(kind.slice(1))[0]!, name, "shard-contributions.parquet"))).toBe(kind !== "");
        // Field by field first (a clearer message), then every file byte for byte.
        for (const key of Object.keys(single!) as (keyof InstanceSummary)[])
          expect(merged![key], `${name} ${key}`).toEqual(single![key]);
        const [a, b] = [one, all].map((run) => json<Insights>(join(dir, run, name, "insights.json")));
        for (const key of Object.keys(a!) as (keyof Insights)[])
          expect(b![key], `${name} insights ${key}`).toEqual(a![key]);
        for (const file of [
          "scores.parquet",
          "factors.parquet",
          "timeline.parquet",
          "instance.json",
          "insights.json",
          "model.json",
          "evaluation.json",
          "data-quality.json",
        ]) {
          expect(digest(join(dir, all, name, file)), `${name}/${file}`).toBe(digest(join(dir, one, name, file)));
        }
        if (single!.value)
          expect(digest(join(dir, all, name, "value.json"))).toBe(digest(join(dir, one, name, "value.json")));
      }
    },
  );

  it("the insights are of everyone: bucket sizes are the bucket counts, detailed ranges cover every scored person", () => {
    for (const { name } of json<RunIndex>(join(dir, "merged", "index.json")).instances) {
      const summary = json<InstanceSummary>(join(dir, "merged", name, "instance.json"));
      const insights = json<Insights>(join(dir, "merged", name, "insights.json"));
      expect(insights.buckets.map((b) => b.people)).toEqual(summary.buckets.counts.map((c) => c.people));
      expect(insights.factors.length).toBeGreaterThan(0);
      for (const f of insights.factors) expect(f.ranges.reduce((t, r) => t + r.people, 0)).toBe(summary.scored);
      // The scatter sample: the same people (by hash) for every feature, fewer than everyone here.
      expect(insights.factors[0]!.sample.length).toBe(Math.min(1000, summary.scored));
    }
  });

  it("refuses bad --shard values and shards of different runs in one line (exit 2)", async () => {
    const lines: string[] = [];
    const output = { log: () => {}, error: (m: string) => lines.push(m), table: () => {} };
    for (const bad of ["0/0", "5/4", "x", "4/4", "1/"]) {
      lines.length = 0;
      expect(await exitStatusOf(() => scoreCommand(["--shard", bad, "--out", join(dir, "bad")], output), output)).toBe(
        2,
      );
      expect(lines, bad).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: --shard: expected i\/N/);
    }
    lines.length = 0;
    // A shard of another as-of date.
    await runPipeline(Object.assign(smallConfig(), { asOf: dateOf(dayOf(asOf) - 7) }), {
      out: join(dir, "other-0"),
      model: join(dir, "trained"),
      shard: { index: 0, count: SHARDS },
    });
    const mixed = [join(dir, "other-0"), ...shardDirs().slice(1)].join(",");
    expect(await exitStatusOf(() => mergeCommand(["--shards", mixed, "--out", join(dir, "m2")], output), output)).toBe(
      2,
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: --shards: .* is as of \S+ and .* as of \S+; merge the shards of one run/);
    // A shard of another model.
    lines.length = 0;
    await runPipeline(
      Object.assign(smallConfig(), {
        asOf: "2026-10-10",
        training: { ...smallConfig().training, model: { nTrees: 20 } },
      }),
      { out: join(dir, "trained-2") },
    );
    await runPipeline(Object.assign(smallConfig(), { asOf }), {
      out: join(dir, "other-model-0"),
      model: join(dir, "trained-2"),
      shard: { index: 0, count: SHARDS },
    });
    const models = [join(dir, "other-model-0"), ...shardDirs().slice(1)].join(",");
    expect(await exitStatusOf(() => mergeCommand(["--shards", models, "--out", join(dir, "m5")], output), output)).toBe(
      2,
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^error: --shards: .* scored purchase \(model [0-9a-f]{12}.*; merge the shards of one run \(the same --model\)$/,
    );
    lines.length = 0;
    expect(
      await exitStatusOf(
        () => mergeCommand(["--shards", shardDirs().slice(1).join(","), "--out", join(dir, "m3")], output),
        output,
      ),
    ).toBe(2);
    expect(lines[0]).toMatch(/^error: --shards: shard 0\/4 missing/);
    lines.length = 0;
    expect(
      await exitStatusOf(
        () =>
          mergeCommand(["--shards", [join(dir, "single"), ...shardDirs()].join(","), "--out", join(dir, "m4")], output),
        output,
      ),
    ).toBe(2);
    expect(lines[0]).toMatch(/is not a shard folder/);
    // A shard folder missing a file: refused, and the previous merged results stay as they were.
    const before = digest(join(dir, "merged", "purchase", "scores.parquet"));
    cpSync(shardDirs()[1]!, join(dir, "broken-1"), { recursive: true });
    rmSync(join(dir, "broken-1", "purchase", "factors.parquet"));
    lines.length = 0;
    const broken = [shardDirs()[0]!, join(dir, "broken-1"), ...shardDirs().slice(2)].join(",");
    expect(
      await exitStatusOf(() => mergeCommand(["--shards", broken, "--out", join(dir, "merged")], output), output),
    ).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^error: --shards: .*broken-1\/purchase\/factors\.parquet is missing; score that shard again/,
    );
    expect(digest(join(dir, "merged", "purchase", "scores.parquet"))).toBe(before);
  }, 300_000);
});
