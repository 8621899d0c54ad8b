/**
 * The data-quality report of a run, as `data-quality.json` holds it (JSON-serialisable): written by the build
 * (loaders/ingest) and shown by the pages. Every input row is accounted for: `rowsUsed + rowsSetAside = rowsRead`,
 * and `rowsSetAside` is the sum of `setAside[].rows`.
 */

/** Rows set aside for one reason (and, for exclusions, one rule). */
export interface SetAsideEntry {
  /** Stable key, e.g. `timestamp_invalid` (see `reasons.ts`). */
  reason: string;
  /** What the reason means, for people. */
  message: string;
  /** The exclusion rule's name, for reason `excluded`. */
  rule?: string;
  rows: number;
  /** Up to five examples, e.g. "events.csv row 17" (data rows counted from 1 after the header) or "line 18". */
  examples: string[];
}

/** A column of an input and how complete it is. */
export interface ColumnReport {
  name: string;
  /** DuckDB type as read (CSV columns are read as text). */
  type: string;
  /** The role the column plays, e.g. `personId`, `timestamp`. */
  role?: string;
  /** Share of rows with a value (not missing, not empty text), 0 to 1. */
  completeness: number;
}

/** Accounting of one input. */
export interface InputReport {
  files: string[];
  format: string;
  rowsRead: number;
  rowsUsed: number;
  rowsSetAside: number;
  setAside: SetAsideEntry[];
  columns: ColumnReport[];
}

/** Per-instance facts found at ingest. */
export interface InstanceReport {
  name: string;
  /** Used events that match the goal. */
  goalEvents: number;
  customEvents: { name: string; events: number }[];
  /** Events this instance ignores because of its own exclusions. */
  ignoredEvents: number;
  /** Data requirements, filled in when the instance is planned (see `features/plan.ts`). */
  requirements?: RequirementResult[];
}

/** One data requirement and whether it holds. */
export interface RequirementResult {
  /** Stable key: `positives`, `negatives`, `history`, `behaviour`. */
  check: string;
  ok: boolean;
  /** What was found against what is needed. */
  message: string;
  /** What to try when it fails. */
  hint: string;
}

/** The data-quality report of a run. */
export interface DataQualityReport {
  /** The scoring date (YYYY-MM-DD) and where it came from. */
  asOf: string;
  asOfSource: "config" | "last event";
  events: InputReport & {
    /** Events after grouping rows (equal to rowsUsed unless rows are grouped). */
    events: number;
    people: number;
    /** First and last used event time (UTC, `YYYY-MM-DD HH:MM:SS`). */
    firstEvent: string;
    lastEvent: string;
    /** Which column (or expression) each role uses. */
    mapping: Record<string, string>;
    /** With an anonymous id column: rows read without a person id that took the person id linked to their
     * anonymous id, rows that kept their anonymous id as the person, and anonymous ids linked to several person ids. */
    identities?: { column: string; rowsLinked: number; rowsAnonymous: number; sharedAnonymousIds: number };
    eventTypes: { eventType: string; events: number }[];
    /** People who opted out (`privacy.optOut`), removed with their events after reading; the counts above exclude
     * them, the row accounting (read = used + set aside) counts their rows as read and used. */
    optedOut?: { people: number; events: number };
  };
  profiles:
    | (InputReport & {
        people: number;
        /** People with events who also have a profile. */
        peopleWithEvents: number;
      })
    | null;
  instances: InstanceReport[];
  warnings: string[];
}
