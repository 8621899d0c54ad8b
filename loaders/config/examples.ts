/**
 * Example configurations for bring-your-own data. `onlineRetailConfig` reads the UCI "Online Retail" export
 * (invoice lines with InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country):
 * every line is a purchase line, lines of one invoice form one purchase event, the amount is Quantity * UnitPrice,
 * cancellations (invoices starting with "C", negative amounts) are a custom event.
 */
import { defineConfig } from "./load.js";
import type { CustomerAIConfig } from "./types.js";

/** Configuration for the UCI Online Retail CSV (optionally gzipped) at `path`. */
export function onlineRetailConfig(path: string): CustomerAIConfig {
  const cancellation = { field: "InvoiceNo", op: "startsWith" as const, value: "C" };
  return defineConfig({
    inputs: {
      events: {
        path,
        eventType: "commerce.purchases",
        columns: { personId: "CustomerID", timestamp: "InvoiceDate" },
        amountExpression: "Quantity * UnitPrice",
        groupRowsBy: "InvoiceNo",
        allowNegativeAmounts: { conditions: [cancellation] },
      },
    },
    features: { lookbackDays: 180 },
    instances: [
      {
        name: "purchase",
        label: "Purchase within 30 days",
        type: "conversion",
        window: 30,
        goal: {
          conditions: [
            { field: "eventType", op: "equals", value: "commerce.purchases" },
            { ...cancellation, not: true },
          ],
        },
        customEvents: [{ name: "cancellation", label: "Cancellation", conditions: [cancellation] }],
      },
      {
        name: "churn",
        label: "No purchase within 60 days",
        type: "churn",
        window: 60,
        goal: { conditions: [{ ...cancellation, not: true }] },
        customEvents: [{ name: "cancellation", label: "Cancellation", conditions: [cancellation] }],
      },
    ],
  });
}
