import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { demoConfig, resolvedDemoConfig } from "../../loaders/config/demo.js";
import { UserError, closestNames } from "../../loaders/config/errors.js";
import { defineConfig, loadConfig, loadConfigOrDemo } from "../../loaders/config/load.js";
import type { CustomerAIConfig } from "../../loaders/config/types.js";
import { pluralOf, readable, validateConfig } from "../../loaders/config/validate.js";

const dir = mkdtempSync(join(tmpdir(), "config-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The message of the UserError thrown by `f` (fails the test when nothing or something else is thrown). */
function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as UserError).message;
  }
  throw new Error("expected a UserError");
}

/** The demo configuration with one change applied. */
function demoWith(change: (c: Record<string, any>) => void): unknown {
  const config = JSON.parse(JSON.stringify(demoConfig("data"))) as Record<string, any>;
  change(config);
  return config;
}

/**
 * The resolved instances of a configuration reading e.csv with a conversion instance "buy" (window 30) and a churn
 * instance "leave" (window 60), then `more`; every instance's goal is any event.
 */
function withBuyAndLeave(...more: Record<string, unknown>[]) {
  const goal = { conditions: [{ field: "eventType", op: "exists" as const }] };
  return validateConfig({
    inputs: { events: { path: "e.csv" } },
    instances: [
      { name: "buy", type: "conversion", window: 30 },
      { name: "leave", type: "churn", window: 60 },
      ...more,
    ].map((instance) => ({ ...instance, goal })),
  }).instances;
}

describe("validateConfig", () => {
  it("accepts the demo configuration and fills in defaults", () => {
    const config = resolvedDemoConfig("data/demo", "/repo");
    expect(config.inputs.events.path).toBe("/repo/data/demo/events.parquet");
    expect(config.inputs.events.columns.personId).toBe("identityMap.ECID");
    expect(config.inputs.events.explicit).toEqual([]);
    expect(config.features.lookbackDays).toBe(365);
    expect(config.training).toEqual({
      maxExamplesPerCutoff: 50_000,
      maxExamples: 200_000,
      maxCutoffs: null,
      cutoffStride: null,
      seed: 1,
      model: {},
    });
    expect(config.instances.map((i) => [i.name, i.type, i.window])).toEqual([
      ["purchase", "conversion", 30],
      ["churn", "churn", 60],
    ]);
    const purchase = config.instances[0];
    expect(purchase.goal).toEqual({
      match: "all",
      conditions: [{ field: "eventType", op: "equals", value: "commerce.purchases" }],
    });
    expect(purchase.eligible.activeWithinDays).toBe(45);
    expect(purchase.requirements).toEqual({ minPositive: 500, minNegative: 500 });
    expect(purchase.customEvents[0]).toMatchObject({
      name: "offersView",
      label: "Offers page view",
      plural: "Offers page views",
    });
    expect(purchase.profileAttributes[0]).toEqual({
      column: "loyalty.tier",
      label: "Loyalty tier",
      kind: null,
      order: ["none", "silver", "gold", "platinum"],
    });
    expect(purchase.buckets).toEqual({ on: "score", high: 75, medium: 25 });
    expect(purchase.topFactors).toBe(10);
  });

  it("checks bucket thresholds, factor counts and model settings", () => {
    const ok = validateConfig(
      demoWith((c) => {
        c.instances[0].buckets = { on: "percentile", high: 90 };
        c.instances[0].topFactors = 5;
        c.training = { seed: 7, model: { maxDepth: 4, learningRate: 0.05 } };
      }),
    );
    expect(ok.instances[0]!.buckets).toEqual({ on: "percentile", high: 90, medium: 25 });
    expect(ok.instances[0]!.topFactors).toBe(5);
    expect(ok.training).toMatchObject({ seed: 7, model: { maxDepth: 4, learningRate: 0.05 } });
    const message = errorOf(() =>
      validateConfig(
        demoWith((c) => {
          c.instances[0].buckets = { high: 20, medium: 30 };
          c.instances[1].topFactors = 0;
          c.training = { model: { maxDepth: 40, learningRate: "fast", trees: 3 } };
        }),
      ),
    );
    expect(message).toContain("instances[0].buckets.medium: expected a value below high (20) but got number 30");
    expect(message).toContain("instances[1].topFactors: expected a whole number from 1 to 50 but got number 0");
    expect(message).toContain("training.model.maxDepth: expected a whole number from 1 to 12 but got number 40");
    expect(message).toContain('training.model.learningRate: expected a number from 0.0001 to 1 but got "fast"');
    expect(message).toContain("training.model.trees: unknown key");
  });

  it("names the key path, the allowed values and the closest one for an unknown operator", () => {
    const message = errorOf(() => validateConfig(demoWith((c) => (c.instances[1].goal.conditions[0].op = "equal"))));
    expect(message).toContain(
      'instances[1].goal.conditions[0].op: expected one of equals, notEquals, in, startsWith, contains, exists, gt, gte, lt, lte, between but got "equal"; closest: "equals"',
    );
  });

  it("reports every problem at once", () => {
    const message = errorOf(() =>
      validateConfig(
        demoWith((c) => {
          c.instances[0].window = 1.5;
          delete c.instances[0].goal;
          c.instances[1].type = "retention";
          c.asOf = "2026-02-30";
          c.instnaces = [];
        }),
      ),
    );
    expect(message).toMatch(/^Invalid configuration \(5 problems\):/);
    expect(message).toContain("instances[0].window: expected a whole number from 1 to 3650 but got number 1.5");
    expect(message).toContain("instances[0].goal: expected an object but got nothing");
    expect(message).toContain('instances[1].type: expected one of conversion, churn but got "retention"');
    expect(message).toContain('asOf: expected a date written YYYY-MM-DD but got "2026-02-30"');
    expect(message).toContain(
      'instnaces: unknown key; expected one of inputs, asOf, exclusions, features, training, requirements, instances, eventLabels, currency, resources, privacy; closest: "instances"',
    );
  });

  it("checks condition values per operator", () => {
    const message = errorOf(() =>
      validateConfig(
        demoWith((c) => {
          c.instances[0].goal.conditions = [
            { field: "eventType", op: "in", value: [] },
            { field: "amount", op: "between", value: [10, 5] },
            { field: "amount", op: "gt", value: "lots" },
            { field: "eventType", op: "startsWith", value: 3 },
            { field: "eventType", op: "exists", value: "yes" },
            { field: "eventType", op: "equals" },
          ];
        }),
      ),
    );
    expect(message).toContain(
      "instances[0].goal.conditions[0].value: expected a non-empty list of values of one type but got a list of 0",
    );
    expect(message).toContain("instances[0].goal.conditions[1].value: expected low <= high but got a list of 2");
    expect(message).toContain(
      'instances[0].goal.conditions[2].value: expected a number or a date (YYYY-MM-DD) but got "lots"',
    );
    expect(message).toContain("instances[0].goal.conditions[3].value: expected a non-empty string but got number 3");
    expect(message).toContain('instances[0].goal.conditions[4].value: expected true, false or nothing but got "yes"');
    expect(message).toContain(
      "instances[0].goal.conditions[5].value: expected a string, number or boolean but got nothing",
    );
  });

  it("scores everyone with history by default for conversion, the recently active for churn, any span on request", () => {
    const instances = withBuyAndLeave(
      { name: "year", type: "conversion", window: 30, eligible: { activeWithinDays: 400 } },
      { name: "any", type: "churn", window: 60, eligible: { activeWithinDays: null } },
    );
    expect(instances.map((i) => i.eligible.activeWithinDays)).toEqual([null, 45, 400, null]);
    const message = errorOf(() => validateConfig(demoWith((c) => void (c.instances[0].eligible.activeWithinDays = 0))));
    expect(message).toContain(
      "instances[0].eligible.activeWithinDays: expected a whole number from 1 to 36500 but got number 0",
    );
  });

  it("gives conversion instances a customer value over 365 days by default, churn instances none", () => {
    const instances = withBuyAndLeave(
      { name: "quarter", type: "conversion", window: 30, value: { horizonDays: 90 } },
      { name: "off", type: "conversion", window: 30, value: false },
    );
    expect(instances.map((i) => i.value)).toEqual([{ horizonDays: 365 }, null, { horizonDays: 90 }, null]);
    const churn = errorOf(() => validateConfig(demoWith((c) => void (c.instances[1].value = { horizonDays: 90 }))));
    expect(churn).toContain("instances[1].value: expected false or no value: churn instances have no customer value");
    const zero = errorOf(() => validateConfig(demoWith((c) => void (c.instances[0].value = { horizonDays: 0 }))));
    expect(zero).toContain("instances[0].value.horizonDays: expected a whole number from 1 to 3650 but got number 0");
    const unknown = errorOf(() => validateConfig(demoWith((c) => void (c.instances[0].value = { horizon: 90 }))));
    expect(unknown).toContain("instances[0].value.horizon: unknown key; expected one of horizonDays");
  });

  it("rejects duplicate names, inconsistent settings and bad identifiers", () => {
    const message = errorOf(() =>
      validateConfig(
        demoWith((c) => {
          c.instances[1].name = "purchase";
          c.instances[0].customEvents[1].name = "1st";
          c.inputs.events.eventType = "commerce.purchases";
          c.inputs.events.columns = { eventType: "type" };
          c.inputs.events.timestampFormat = "dd/mm/yyyy";
          c.inputs.events.anonymousId = "identityMap.ECID";
          (c.inputs.events as Record<string, unknown>).decimalSeparator = ";";
          (c.inputs.events as Record<string, unknown>).csv = { encoding: "latin1" };
        }),
      ),
    );
    expect(message).toContain('instances[1].name: expected a unique name but "purchase" is used twice');
    expect(message).toContain(
      "instances[0].customEvents[1].name: expected a name of letters, digits, _ and - starting with a letter",
    );
    expect(message).toContain(
      "inputs.events.eventType: expected either eventType (one type for every row) or columns.eventType, not both",
    );
    expect(message).toContain(
      'inputs.events.timestampFormat: expected a strptime format such as "%m/%d/%Y %H:%M", "epoch_s", "epoch_ms" or "epoch_us" but got "dd/mm/yyyy"',
    );
    expect(message).toContain('inputs.events.decimalSeparator: expected "." or "," but got ";"');
    expect(message).toContain(
      'inputs.events.anonymousId: expected a column other than the person id column ("identityMap.ECID")',
    );
    expect(message).toContain(
      'inputs.events.csv.encoding: expected one of utf-8, latin-1, utf-16 but got "latin1"; closest: "latin-1"',
    );
  });

  it("requires at least one instance and an events input", () => {
    const message = errorOf(() => validateConfig({ inputs: {}, instances: [] }));
    expect(message).toContain("inputs.events: expected an object but got nothing");
    expect(message).toContain("instances: expected a non-empty list but got a list of 0");
    expect(errorOf(() => validateConfig("config"))).toContain('configuration: expected an object but got "config"');
  });

  it("resolves relative input paths against the base folder and keeps explicit column mappings", () => {
    const config = validateConfig(
      {
        inputs: {
          events: {
            path: "tx/*.csv.gz",
            columns: { personId: "CustomerID", timestamp: "InvoiceDate" },
            eventType: "commerce.purchases",
            amountExpression: "Quantity * UnitPrice",
          },
        },
        instances: [
          {
            name: "buy",
            type: "conversion",
            window: 30,
            goal: { conditions: [{ field: "eventType", op: "equals", value: "commerce.purchases" }] },
          },
        ],
      },
      { baseDir: "/data/shop" },
    );
    expect(config.inputs.events.path).toBe("/data/shop/tx/*.csv.gz");
    expect(config.inputs.events.explicit).toEqual(["personId", "timestamp"]);
    expect(config.inputs.events.columns.eventType).toBeNull();
    expect(config.inputs.events.amountExpression).toBe("Quantity * UnitPrice");
    expect(config.inputs.profiles).toBeNull();
  });
});

describe("loadConfig", () => {
  const minimal: CustomerAIConfig = {
    inputs: { events: { path: "events.parquet" } },
    instances: [
      {
        name: "buy",
        type: "conversion",
        window: 14,
        goal: { conditions: [{ field: "eventType", op: "equals", value: "commerce.purchases" }] },
      },
    ],
  };

  it("defaults to the demo configuration", async () => {
    const config = await loadConfigOrDemo();
    expect(config.instances.map((i) => i.name)).toEqual(["purchase", "churn"]);
    expect(config.inputs.events.path).toBe(join(process.cwd(), "data/demo/events.parquet"));
  });

  it("loads JSON and resolves paths against the file's folder", async () => {
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify(minimal));
    const config = await loadConfig(file);
    expect(config.inputs.events.path).toBe(join(dir, "events.parquet"));
    expect(config.instances[0].window).toBe(14);
    // Saved by a Windows editor, with a byte-order mark.
    const bom = join(dir, "bom.json");
    writeFileSync(bom, "\uFEFF" + JSON.stringify(minimal));
    expect((await loadConfig(bom)).instances[0].window).toBe(14);
  });

  it("refuses a CSV delimiter that is a quote or a line break", () => {
    for (const delimiter of ['"', "\n", "\r"]) {
      const message = errorOf(() =>
        validateConfig(demoWith((c) => void ((c.inputs.events as Record<string, unknown>).csv = { delimiter }))),
      );
      expect(message).toContain(
        "inputs.events.csv.delimiter: expected a single character other than a quote or a line break",
      );
    }
  });

  it("loads a TypeScript module's default export written with defineConfig", async () => {
    const file = join(dir, "customer-ai.config.ts");
    writeFileSync(file, `export default ${JSON.stringify(defineConfig(minimal))};\n`);
    const config = await loadConfig(file);
    expect(config.instances[0].name).toBe("buy");
  });

  it("explains a missing file, broken JSON, a wrong extension and an invalid configuration", async () => {
    await expect(loadConfig(join(dir, "nope.json"))).rejects.toThrow(/configuration file not found: .*nope\.json/);
    writeFileSync(join(dir, "broken.json"), "{ inputs: ");
    await expect(loadConfig(join(dir, "broken.json"))).rejects.toThrow(/broken\.json is not valid JSON/);
    writeFileSync(join(dir, "config.yaml"), "inputs: {}");
    await expect(loadConfig(join(dir, "config.yaml"))).rejects.toThrow(
      /expected a \.ts, \.js, \.mjs or \.json file but got "\.yaml"/,
    );
    writeFileSync(
      join(dir, "bad.json"),
      JSON.stringify({ ...minimal, instances: [{ ...minimal.instances[0], window: 0 }] }),
    );
    await expect(loadConfig(join(dir, "bad.json"))).rejects.toThrow(
      "instances[0].window: expected a whole number from 1 to 3650 but got number 0",
    );
  });
});

describe("helpers", () => {
  it("suggests close names, readable labels and plurals", () => {
    expect(closestNames("identityMap.ECID", ["ecid", "timestamp", "eventType"])).toEqual(["ecid"]);
    expect(closestNames("eventtype", ["eventType", "event_type", "timestamp"])).toEqual(["eventType", "event_type"]);
    expect(closestNames("zzz", ["eventType"])).toEqual([]);
    expect(readable("person.ageBand")).toBe("Person age band");
    expect(readable("loyalty.tier")).toBe("Loyalty tier");
    expect(pluralOf("Watch purchase")).toBe("Watch purchases");
    expect(pluralOf("Offer inquiry")).toBe("Offer inquiries");
    expect(pluralOf("App launch")).toBe("App launches");
  });
});
