/**
 * The calibration map from a model's margin (log-odds) to a probability, as `model.json` stores it. One
 * implementation for both sides: the pipeline (loaders/calibration) calibrates every score with it, and the person
 * page checks a person's contributions against their probability with it (components/person.ts).
 */

/** Platt scaling (a logistic curve on the margin) or isotonic regression kept as knots. */
export type Calibrator =
  | { kind: "platt"; slope: number; intercept: number }
  | { kind: "isotonic"; margins: number[]; probabilities: number[] };

/** The probability a calibrator gives a margin. Isotonic maps interpolate linearly between knots; beyond the end
 * knots they follow the model's own log-odds from the end knot's probability, so the people past either end keep
 * the model's ranking instead of tying. */
export function calibrateMargin(calibrator: Calibrator, margin: number): number {
  if (calibrator.kind === "platt") return 1 / (1 + Math.exp(-(calibrator.slope * margin + calibrator.intercept)));
  const { margins: xs, probabilities: ys } = calibrator;
  const beyond = (knot: number) => 1 / (1 + Math.exp(-(Math.log(ys[knot]! / (1 - ys[knot]!)) + margin - xs[knot]!)));
  if (margin <= xs[0]!) return beyond(0);
  if (margin >= xs[xs.length - 1]!) return beyond(xs.length - 1);
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= margin) lo = mid;
    else hi = mid;
  }
  return ys[lo]! + ((margin - xs[lo]!) / (xs[hi]! - xs[lo]!)) * (ys[hi]! - ys[lo]!);
}
