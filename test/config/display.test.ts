import { describe, expect, it } from "vitest";
import { demoConfig } from "../../loaders/config/demo.js";
import { UserError } from "../../loaders/config/errors.js";
import { validateConfig } from "../../loaders/config/validate.js";

/** The demo configuration with one change applied, validated. */
function demoWith(change: (c: Record<string, any>) => void) {
  const config = JSON.parse(JSON.stringify(demoConfig("data"))) as Record<string, any>;
  change(config);
  return validateConfig(config);
}

function problems(change: (c: Record<string, any>) => void): string {
  try {
    demoWith(change);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as Error).message;
  }
  throw new Error("expected a UserError");
}

describe("display settings", () => {
  it("default to none", () => {
    const config = demoWith(() => undefined);
    expect(config.eventLabels).toEqual({});
    expect(config.currency).toBeNull();
    expect(config.instances[0]!.description).toBeNull();
    expect(config.instances[0]!.profileAttributes[1]!.order).toBeUndefined();
  });

  it("take event labels as one word or with plural and verb, a currency, a description and a value order", () => {
    const config = demoWith((c) => {
      c.eventLabels = {
        order_completed: "order",
        "commerce.purchases": { one: "sale", many: "sales", verb: "buy something" },
      };
      c.currency = "EUR";
      c.instances[0].description = "Who to target with the spring campaign.";
      c.instances[0].profileAttributes[0] = { column: "loyalty.tier", order: ["none", "silver", "gold", "platinum"] };
    });
    expect(config.eventLabels).toEqual({
      order_completed: { one: "order", many: "orders" },
      "commerce.purchases": { one: "sale", many: "sales", verb: "buy something" },
    });
    expect(config.currency).toBe("EUR");
    expect(config.instances[0]!.description).toBe("Who to target with the spring campaign.");
    expect(config.instances[0]!.profileAttributes[0]).toEqual({
      column: "loyalty.tier",
      label: "Loyalty tier",
      kind: null,
      order: ["none", "silver", "gold", "platinum"],
    });
  });

  it("name the key and what was expected", () => {
    const message = problems((c) => {
      c.eventLabels = { a: "", b: { one: "x", plural: "y" } };
      c.currency = "euro";
      c.instances[0].description = 3;
      c.instances[0].profileAttributes[0] = { column: "loyalty.tier", order: ["gold", "gold"] };
    });
    expect(message).toContain('eventLabels.a: expected a non-empty string but got ""');
    expect(message).toContain("eventLabels.b.plural: unknown key");
    expect(message).toContain(
      'currency: expected an ISO 4217 currency code of three capital letters, such as "EUR" or "USD" but got "euro"',
    );
    expect(message).toContain("instances[0].description: expected a non-empty string but got number 3");
    expect(message).toContain(
      'instances[0].profileAttributes[0].order: expected each value once but "gold" is listed twice',
    );
  });
});
