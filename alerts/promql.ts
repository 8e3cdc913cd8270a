// Which metrics a PromQL expression reads: a small lexer, enough for the expressions this repository
// writes (selectors, functions, aggregations with by/without, vector matching, ranges, offsets).
// Pure; tested against hand-picked expressions and every expression of the catalogue.

const KEYWORDS = new Set(["and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "atan2", "inf", "nan"]);
/** Aggregations may be followed by `by (...)` before their parenthesis: never metric names here. */
const AGGREGATIONS = new Set(["sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio"]);
/** Keywords followed by a parenthesised list of label names, not an expression. */
const LABEL_LIST_KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);

const IDENT = /[A-Za-z_:][A-Za-z0-9_:]*/y;

/** Index just past the closing bracket that matches the opening one at `start`, skipping strings. */
const skipBalanced = (expr: string, start: number, open: string, close: string): number => {
  let depth = 0;
  for (let i = start; i < expr.length; i++) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === "`") i = skipString(expr, i) - 1;
    else if (c === open) depth++;
    else if (c === close && --depth === 0) return i + 1;
  }
  throw new Error(`unbalanced ${open}${close} in PromQL: ${expr}`);
};

const skipString = (expr: string, start: number): number => {
  const quote = expr[start]!;
  for (let i = start + 1; i < expr.length; i++) {
    if (quote !== "`" && expr[i] === "\\") i++;
    else if (expr[i] === quote) return i + 1;
  }
  throw new Error(`unterminated string in PromQL: ${expr}`);
};

const nextNonSpace = (expr: string, from: number): number => {
  let i = from;
  while (i < expr.length && /\s/.test(expr[i]!)) i++;
  return i;
};

/** Metric names the expression selects, in order of first appearance (recording-rule names included). */
export const metricNamesIn = (expr: string): string[] => {
  if (/__name__/.test(expr)) throw new Error(`metricNamesIn: selecting by __name__ hides the metric name: ${expr}`);
  const names: string[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(expr, i);
    } else if (c === "{") {
      i = skipBalanced(expr, i, "{", "}"); // label matchers
    } else if (c === "[") {
      i = skipBalanced(expr, i, "[", "]"); // range or subquery
    } else if (/[0-9.]/.test(c)) {
      i++;
      while (i < expr.length && /[0-9A-Za-z_.]/.test(expr[i]!)) i++; // number or duration (5m, 1e3, 0x1f)
    } else if (/[A-Za-z_:]/.test(c)) {
      IDENT.lastIndex = i;
      const word = IDENT.exec(expr)![0];
      const after = nextNonSpace(expr, i + word.length);
      const lower = word.toLowerCase();
      if (LABEL_LIST_KEYWORDS.has(lower) && expr[after] === "(") {
        i = skipBalanced(expr, after, "(", ")");
      } else if (KEYWORDS.has(lower) || AGGREGATIONS.has(lower) || expr[after] === "(") {
        i += word.length; // a keyword, or a function / aggregation name
      } else {
        if (!names.includes(word)) names.push(word);
        i += word.length;
      }
    } else {
      i++;
    }
  }
  return names;
};

/** The PromQL inside Go-template `query "..."` / `query \`...\`` calls of an annotation. */
export const templateQueries = (template: string): string[] => {
  const queries: string[] = [];
  const re = /\bquery\s+(?:`([^`]*)`|"((?:[^"\\]|\\.)*)")/g;
  for (let m = re.exec(template); m !== null; m = re.exec(template)) queries.push(m[1] ?? m[2]!.replace(/\\(.)/g, "$1"));
  return queries;
};
