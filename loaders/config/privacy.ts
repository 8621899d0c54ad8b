/**
 * Privacy settings of a configuration (`privacy`): which columns are personal (`pii`: they may select people, in
 * eligibility and exclusion rules, but never become a feature, so their values never reach the site), whether
 * the site shows pseudonymous ids instead of person ids (`pseudonymousIds`: a keyed hash, with the key given at
 * build time in `CUSTOMER_AI_ID_KEY` and never written to the site), and who opted out (`optOut`: conditions on
 * profile attributes; those people are removed from training, scoring and every output, and counted).
 */
import { type Issues, at, boolean, list, object, string } from "./checks.js";
import type { ResolvedGroup } from "./types.js";

/** Environment variable holding the key of pseudonymous ids. */
export const ID_KEY_ENV = "CUSTOMER_AI_ID_KEY";

/** The resolved privacy settings. */
export interface PrivacySettings {
  pii: string[];
  pseudonymousIds: boolean;
  /** Conditions on profile attributes of the people who opted out, or null. */
  optOut: ResolvedGroup | null;
}

/** `privacy`: `{ pii?: string[], pseudonymousIds?: boolean, optOut?: ConditionGroup }`; `group` parses the
 * condition group (the configuration's own parser). */
export function privacyOf(
  issues: Issues,
  value: unknown,
  group: (value: unknown, path: string) => ResolvedGroup | undefined,
): PrivacySettings {
  if (value === undefined) return { pii: [], pseudonymousIds: false, optOut: null };
  const r = object(issues, value, "privacy", ["pii", "pseudonymousIds", "optOut"]) ?? {};
  const pii = list(issues, r.pii, "privacy.pii", (v, p) => string(issues, v, p, true));
  const pseudonymousIds = boolean(issues, r.pseudonymousIds, "privacy.pseudonymousIds", false) ?? false;
  const optOut = r.optOut === undefined ? null : (group(r.optOut, "privacy.optOut") ?? null);
  return { pii, pseudonymousIds, optOut };
}

/** Reports every profile attribute of an instance that is a personal column (it would show on the site). */
export function checkPiiAttributes(
  issues: Issues,
  pii: readonly string[],
  instances: readonly { profileAttributes: { column: string }[] }[],
): void {
  const personal = new Set(pii);
  instances.forEach((inst, i) =>
    inst.profileAttributes.forEach((a, j) => {
      if (personal.has(a.column)) {
        issues.add(
          at(at(`instances[${i}]`, "profileAttributes"), j),
          `"${a.column}" is listed in privacy.pii: a personal column cannot be a feature (its values would be shown on the site); remove it from profileAttributes, or from privacy.pii`,
        );
      }
    }),
  );
}
