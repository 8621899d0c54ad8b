import { describe, expect, test } from "vitest";
import { demoConfig, resolvedDemoConfig } from "../../loaders/config/demo.js";
import { validateConfig } from "../../loaders/config/validate.js";
import type { FeatureDef } from "../../loaders/features/catalogue.js";
import { displaySettings, eventsPhrase, featureInfos, instanceTexts } from "../../loaders/pipeline/describe.js";

/** The demo configuration with one change applied, validated. */
function demoWith(change: (c: Record<string, any>) => void) {
  const config = JSON.parse(JSON.stringify(demoConfig("data"))) as Record<string, any>;
  change(config);
  return validateConfig(config);
}

describe("instance sentences", () => {
  test("the demo's goals read as a marketer would write them, the exact rules are kept aside", () => {
    const config = resolvedDemoConfig();
    const [purchase, churn] = config.instances.map((i) => instanceTexts(i, config));
    expect(purchase!.goalText).toBe("People who will buy in the next 30 days.");
    expect(purchase!.outcomeText).toBe("How likely a person is to buy in the next 30 days.");
    expect(purchase!.eligibleText).toBe(
      "People active in the 45 days before the as-of date, not counting emails sent.",
    );
    expect(churn!.goalText).toBe(
      "People who will go inactive in the next 60 days: no activity other than emails sent.",
    );
    expect(churn!.rules.goal).toBe(
      "No event where event type is not directMarketing.emailSent, within 60 days after the as-of date.",
    );
    for (const t of [purchase!, churn!]) {
      expect(`${t.goalText} ${t.outcomeText} ${t.eligibleText}`).not.toMatch(/directMarketing|commerce\.|event type/);
      expect(t.scoreText).toContain("High from a score of 75, Medium from 25 to 74 and Low below 25");
    }
  });

  test("event labels from the configuration replace the XDM names; unknown types are made readable", () => {
    const config = demoWith((c) => {
      c.eventLabels = { "commerce.purchases": { one: "order", verb: "place an order" } };
      c.instances[0].description = "Spring campaign.";
      c.instances[1].goal = {
        conditions: [{ field: "eventType", op: "in", value: ["commerce.purchases", "app_open"] }],
      };
    });
    const [purchase, churn] = config.instances.map((i) => instanceTexts(i, config));
    expect(purchase!.goalText).toBe("People who will place an order in the next 30 days.");
    expect(purchase!.description).toBe("Spring campaign.");
    expect(churn!.goalText).toBe("People who will have no order or app open in the next 60 days.");
    expect(churn!.description).toBeNull();
  });

  test("conditions on other fields stay as written", () => {
    const phrase = eventsPhrase({
      match: "all",
      conditions: [
        { field: "eventType", op: "equals", value: "directMarketing.emailOpened" },
        { field: "marketing.campaignName", op: "startsWith", value: "Holiday" },
      ],
    });
    expect(phrase).toMatchObject({
      kind: "types",
      some: "an email open where marketing campaign name starts with Holiday",
      verb: null,
    });
    expect(
      eventsPhrase({
        match: "any",
        conditions: [
          { field: "page", op: "contains", value: "/sale" },
          { field: "amount", op: "gt", value: 10 },
        ],
      }).some,
    ).toBe("an event where page contains /sale or amount is above 10");
    expect(
      eventsPhrase({ match: "all", conditions: [{ field: "eventType", op: "equals", value: "search", not: true }] }),
    ).toMatchObject({ kind: "except", except: "searches" });
  });

  test("the data's event types get names, the currency is the configuration's", () => {
    const config = demoWith((c) => {
      c.currency = "EUR";
      c.eventLabels = { order_done: "order" };
    });
    expect(
      displaySettings(config, [
        { eventType: "commerce.purchases" },
        { eventType: "order_done" },
        { eventType: "web.webpagedetails.pageViews" },
        { eventType: "loyalty_points.earned" },
      ]),
    ).toEqual({
      eventLabels: {
        "commerce.purchases": "purchase",
        order_done: "order",
        "web.webpagedetails.pageViews": "page view",
        "loyalty_points.earned": "earned",
      },
      currency: "EUR",
    });
  });
});

describe("the natural order of categories", () => {
  const tier: FeatureDef = {
    name: "profile.loyalty.tier",
    label: "Loyalty tier",
    kind: "categorical",
    unit: null,
    group: "profile",
    categories: ["gold", "none", "platinum", "silver"],
  };
  const effects = {
    categories: [
      {
        feature: 0,
        effects: [0.3, -0.4, 0.6, 0.1].map((meanContribution, code) => ({ code, people: 10, meanContribution })),
      },
    ],
  };

  test("by the mean effect, least favourable first, for conversion and churn alike", () => {
    const attribute = { column: "loyalty.tier", label: "Loyalty tier", kind: null };
    const names = (order: number[] | undefined) => order?.map((c) => tier.categories![c]);
    expect(
      names(featureInfos([tier], { type: "conversion", profileAttributes: [attribute] }, effects)[0]!.order),
    ).toEqual(["none", "silver", "gold", "platinum"]);
    const churn = {
      categories: [
        {
          feature: 0,
          effects: effects.categories[0]!.effects.map((e) => ({ ...e, meanContribution: -e.meanContribution })),
        },
      ],
    };
    expect(names(featureInfos([tier], { type: "churn", profileAttributes: [attribute] }, churn)[0]!.order)).toEqual([
      "none",
      "silver",
      "gold",
      "platinum",
    ]);
  });

  test("a configured order wins; values it leaves out follow", () => {
    const attribute = {
      column: "loyalty.tier",
      label: "Loyalty tier",
      kind: null,
      order: ["platinum", "gold", "silver"],
    };
    const [info] = featureInfos([tier], { type: "conversion", profileAttributes: [attribute] }, effects);
    expect(info!.order!.map((c) => tier.categories![c])).toEqual(["platinum", "gold", "silver", "none"]);
  });
});
