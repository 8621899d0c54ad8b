// Bring-your-own-data example: the UCI "Online Retail" transactions (purchases only, no event-type column).
// Invoices are grouped into purchase events, amount = Quantity * UnitPrice, cancellations (invoices "C...") are a
// custom event. Paths are relative to this file; the data set lives in ../shared/data beside the repository.
import { onlineRetailConfig } from "../../loaders/config/examples.js";
import { defineConfig } from "../../loaders/config/load.js";

export default defineConfig(onlineRetailConfig("../../../shared/data/online_retail_uci.csv.gz"));
