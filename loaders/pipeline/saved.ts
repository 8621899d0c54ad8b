/**
 * Saved models: what `model.json` keeps so that a later run can score new data without training (`score --model
 * DIR`), and the checks that the configuration still asks the question the model answers.
 *
 * `model.json` holds the trees, the calibration map, the feature catalogue, the portable feature layout
 * (`features/portable.ts`), the settings the features and labels were defined by (`trainedWith`) and the as-of
 * date the model was trained at; then what the training run fitted on its scored people and a later run reuses so
 * that a person's outputs do not depend on who else is scored (a shard's people, a rescoring's): the BG/NBD
 * parameters of the whole-history features per history kind (`btyd`), the customer value model (`value`: the
 * value.json of the training run, whose BG/NBD and Gamma-Gamma parameters score) and the explorer's feature columns
 * (`explorer`). Models saved before these were kept score as before (refitted on the scored people).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { BgnbdParams } from "../baselines/bgnbd.js";
import type { Calibrator } from "../calibration/calibrate.js";
import { UserError } from "../config/errors.js";
import type { ResolvedConfig, ResolvedInstance } from "../config/types.js";
import type { Shard } from "../ingest/shard.js";
import type { PortableLayout } from "../features/portable.js";
import { type Model, type ModelJSON, modelFromJSON, modelToJSON } from "../model/index.js";
import {
  type Evaluation,
  FILES,
  type FeatureInfo,
  type InstanceSummary,
  type ValueReport,
} from "../contract/schema.js";

/** A model that scores: trees, calibration, and what defines its features. */
export interface SavedModel {
  model: Model;
  calibrator: Calibrator;
  layout: PortableLayout;
  trainedWith: TrainedWith;
  /** The as-of date of the run that trained it. */
  trainedAsOf: string;
  /** BG/NBD parameters of the scoring set's whole-history features, per history kind key (absent: an older model). */
  btyd?: Record<string, BgnbdParams>;
  /** The customer value model of the training run (its value.json), null when it had none (absent: an older model). */
  value?: ValueReport | null;
  /** Feature codes of the explorer's columns in scores.parquet (absent: an older model). */
  explorer?: number[];
  /** Trained on a person sample, the people of shard `index` of `count` only (`score --sample i/N`); absent: on
   * everyone. */
  sample?: Shard;
}

/** Whether a saved model keeps everything it fitted on its scored people (models saved since shards). */
export function isSelfContained(saved: SavedModel): boolean {
  return saved.btyd !== undefined && saved.value !== undefined && saved.explorer !== undefined;
}

/** A saved instance as a later run reads it: the model and what its run published about it. */
export interface SavedInstance {
  model: SavedModel;
  summary: InstanceSummary;
  evaluation: Evaluation;
  /** The folder it was read from (for messages). */
  from: string;
}

/** The settings that define an instance's features and outcome: scoring with a model needs the same ones. */
export interface TrainedWith {
  type: ResolvedInstance["type"];
  window: number;
  goal: ResolvedInstance["goal"];
  eligible: ResolvedInstance["eligible"];
  customEvents: ResolvedInstance["customEvents"];
  exclusions: ResolvedInstance["exclusions"];
  profileAttributes: string[];
  runExclusions: ResolvedConfig["exclusions"];
  features: ResolvedConfig["features"];
}

/** The settings of `inst` that a saved model must share. */
export function trainedWith(config: ResolvedConfig, inst: ResolvedInstance): TrainedWith {
  return {
    type: inst.type,
    window: inst.window,
    goal: inst.goal,
    eligible: inst.eligible,
    customEvents: inst.customEvents,
    exclusions: inst.exclusions,
    profileAttributes: inst.profileAttributes.map((a) => a.column),
    runExclusions: config.exclusions,
    features: config.features,
  };
}

/** `model.json`: a saved model with its trees in JSON form and the features that define its columns. */
export interface SavedModelJSON extends Omit<SavedModel, "model"> {
  model: ModelJSON;
  features: FeatureInfo[];
}

/** The JSON form of a saved model; of its features, what defines them (not how one run's pages show them). */
export function savedModelJSON(saved: SavedModel, features: FeatureInfo[]): SavedModelJSON {
  const { layout, trainedWith, trainedAsOf, calibrator, btyd, value, explorer, sample } = saved;
  const defined = features.map(({ name, label, kind, unit, group, categories }) => ({
    name,
    label,
    kind,
    unit,
    group,
    ...(categories ? { categories } : {}),
  }));
  const fitted = {
    ...(btyd !== undefined ? { btyd } : {}),
    ...(value !== undefined ? { value } : {}),
    ...(explorer !== undefined ? { explorer } : {}),
  };
  const trainedOn = sample ? { sample } : {};
  return {
    model: modelToJSON(saved.model),
    calibrator,
    features: defined,
    layout,
    trainedWith,
    trainedAsOf,
    ...trainedOn,
    ...fitted,
  };
}

/**
 * Reads the saved models of the configuration's instances from a run's folder `dir` (`dir/<instance>/model.json`
 * with that run's instance.json and evaluation.json) and checks each against the configuration.
 * @throws UserError naming the folder and what is missing or differs, and what to do.
 */
export function readSavedInstances(
  dir: string,
  config: ResolvedConfig,
  names: readonly string[],
): Map<string, SavedInstance> {
  const out = new Map<string, SavedInstance>();
  for (const name of names) {
    const folder = join(dir, name);
    const file = join(folder, FILES.model);
    if (!existsSync(file)) {
      throw new UserError(
        "model",
        `--model ${dir}: no ${name}/${FILES.model} there; give the output folder of a run that scored instance "${name}"`,
      );
    }
    const read = <T>(f: string): T => JSON.parse(readFileSync(join(folder, f), "utf8")) as T;
    const json = read<SavedModelJSON>(FILES.model);
    if (!json.layout || !json.trainedWith) {
      throw new UserError(
        "model",
        `${file} was written by an older version that did not save the feature layout: run score once without --model to train a model that can be reused`,
      );
    }
    const inst = config.instances.find((i) => i.name === name)!;
    const difference = firstDifference(json.trainedWith, trainedWith(config, inst));
    if (difference) {
      throw new UserError(
        "model",
        `the model in ${folder} was trained with ${difference}: use the configuration it was trained with, or retrain (score without --model)`,
      );
    }
    const model: SavedModel = {
      model: modelFromJSON(json.model),
      calibrator: json.calibrator,
      layout: json.layout,
      trainedWith: json.trainedWith,
      trainedAsOf: json.trainedAsOf,
      ...(json.btyd !== undefined ? { btyd: json.btyd } : {}),
      ...(json.value !== undefined ? { value: json.value } : {}),
      ...(json.explorer !== undefined ? { explorer: json.explorer } : {}),
      ...(json.sample !== undefined ? { sample: json.sample } : {}),
    };
    out.set(name, {
      model,
      summary: read<InstanceSummary>(FILES.instance),
      evaluation: read<Evaluation>(FILES.evaluation),
      from: folder,
    });
  }
  return out;
}

/** The first setting where a saved model's `saved` and the configuration's `current` differ, in words; or null. */
export function firstDifference(saved: TrainedWith, current: TrainedWith): string | null {
  const walk = (a: unknown, b: unknown, path: string): string | null => {
    if (JSON.stringify(a) === JSON.stringify(b)) return null;
    if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        const found = walk(
          (a as Record<string, unknown>)[key],
          (b as Record<string, unknown>)[key],
          path ? `${path}.${key}` : key,
        );
        if (found) return found;
      }
    }
    return `${path} = ${JSON.stringify(a) ?? "(none)"}, and the configuration has ${JSON.stringify(b) ?? "(none)"}`;
  };
  return walk(saved, current, "");
}
