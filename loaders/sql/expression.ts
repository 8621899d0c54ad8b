/**
 * Arithmetic expressions over columns, e.g. the amount `Quantity * UnitPrice`: parsed into a tree and compiled
 * with quoted column references, so a user expression never reaches SQL as raw text.
 *
 * Grammar: numbers, column names (bare `Name.with.dots_1`, or quoted "Any name" / `Any name`), `+ - * /`,
 * unary minus and parentheses. Division by zero gives a missing value.
 */
import { UserError } from "../config/errors.js";

/** A parsed expression. */
export type Expr =
  | { kind: "number"; value: number }
  | { kind: "column"; name: string }
  | { kind: "negate"; operand: Expr }
  | { kind: "binary"; op: "+" | "-" | "*" | "/"; left: Expr; right: Expr };

type Token = { kind: "number"; value: number } | { kind: "column"; name: string } | { kind: "op"; op: string };

function tokenize(text: string, path: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new UserError(
      "config",
      `${path}: ${what} at position ${i + 1} of ${JSON.stringify(text)}; expected numbers, column names, + - * / and parentheses`,
    );
  };
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i++;
    } else if ("+-*/()".includes(ch)) {
      tokens.push({ kind: "op", op: ch });
      i++;
    } else if (/[0-9.]/.test(ch) && !/[A-Za-z_]/.test(text[i - 1] ?? "")) {
      const m = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i));
      if (!m) fail("unreadable number");
      const value = Number(m![0]);
      if (!Number.isFinite(value)) fail(`number ${m![0]} is beyond the range of a double`);
      tokens.push({ kind: "number", value });
      i += m![0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i))!;
      tokens.push({ kind: "column", name: m[0] });
      i += m[0].length;
    } else if (ch === '"' || ch === "`") {
      const end = text.indexOf(ch, i + 1);
      if (end < 0) fail("unclosed quote");
      tokens.push({ kind: "column", name: text.slice(i + 1, end) });
      i = end + 1;
    } else {
      fail(`unexpected ${JSON.stringify(ch)}`);
    }
  }
  return tokens;
}

/** Parses an arithmetic expression; throws a `UserError` naming `path` when it is malformed. */
export function parseExpression(text: string, path: string): Expr {
  const tokens = tokenize(text, path);
  let pos = 0;
  const fail = (what: string): never => {
    throw new UserError("config", `${path}: ${what} in ${JSON.stringify(text)}; expected e.g. "Quantity * UnitPrice"`);
  };
  const peek = (): Token | undefined => tokens[pos];
  const isOp = (t: Token | undefined, ops: string): t is { kind: "op"; op: string } =>
    t?.kind === "op" && ops.includes(t.op);
  const primary = (): Expr => {
    const t = tokens[pos++];
    if (!t) return fail("unexpected end");
    if (t.kind === "number") return t;
    if (t.kind === "column") return t;
    if (t.op === "-") return { kind: "negate", operand: primary() };
    if (t.op === "(") {
      const inner = sum();
      if (!isOp(tokens[pos++], ")")) fail("missing )");
      return inner;
    }
    return fail(`unexpected "${t.op}"`);
  };
  /** Left-associative chain of `operand`s joined by the operators in `ops`. */
  const chain = (ops: "*/" | "+-", operand: () => Expr) => (): Expr => {
    let left = operand();
    while (isOp(peek(), ops)) {
      const op = (tokens[pos++] as { op: "*" | "/" | "+" | "-" }).op;
      left = { kind: "binary", op, left, right: operand() };
    }
    return left;
  };
  const product = chain("*/", primary);
  const sum = chain("+-", product);
  if (tokens.length === 0) fail("empty expression");
  const expr = sum();
  if (pos < tokens.length) fail("unexpected text after the end");
  return expr;
}

/** The column names an expression uses. */
export function columnsOf(expr: Expr): string[] {
  switch (expr.kind) {
    case "number":
      return [];
    case "column":
      return [expr.name];
    case "negate":
      return columnsOf(expr.operand);
    case "binary":
      return [...columnsOf(expr.left), ...columnsOf(expr.right)];
  }
}

/** Compiles an expression to SQL; `column` gives the numeric SQL of a column name. */
export function compileExpression(expr: Expr, column: (name: string) => string): string {
  switch (expr.kind) {
    case "number":
      // A literal stays a literal: only finite numbers parse, and the text is quoted.
      return `CAST('${String(expr.value)}' AS DOUBLE)`;
    case "column":
      return column(expr.name);
    case "negate":
      return `(-${compileExpression(expr.operand, column)})`;
    case "binary": {
      const left = compileExpression(expr.left, column);
      const right = compileExpression(expr.right, column);
      return expr.op === "/" ? `(${left} / NULLIF(${right}, 0))` : `(${left} ${expr.op} ${right})`;
    }
  }
}
