// What no input of Titan may carry, whatever its schema says: U+0000 and lone UTF-16 surrogates, which
// PostgreSQL stores in neither text nor jsonb (the first write would fail), and nesting deeper than
// MAX_INPUT_DEPTH, where copies, validators and JSON.stringify overflow the stack (JSON.parse takes far
// deeper). HTTP requests (http/input-guard.ts) and bus messages (bus.ts) are checked with it.
export const MAX_INPUT_DEPTH = 32;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const unstorable = (text: string): boolean => text.includes("\u0000") || LONE_SURROGATE.test(text);

const pointerPart = (key: string): string => key.replace(/~/g, "~0").replace(/\//g, "~1");

export interface InputProblem {
  /** JSON pointer of the place, under `root`. */
  readonly path: string;
  readonly message: string;
}

/** The first thing in `value` a request may not carry, or null. Iterative: it must not overflow where the others would. */
export const findInputProblem = (value: unknown, root: string): InputProblem | null => {
  const stack: Array<readonly [unknown, string, number]> = [[value, root, 0]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, path, depth] = next;
    if (typeof node === "string") {
      if (unstorable(node)) return { path, message: "must not contain U+0000 or a lone surrogate" };
    } else if (node !== null && typeof node === "object") {
      if (depth >= MAX_INPUT_DEPTH) return { path, message: `is nested deeper than ${MAX_INPUT_DEPTH} levels` };
      for (const [key, child] of Object.entries(node)) {
        const childPath = `${path}/${pointerPart(key)}`;
        if (unstorable(key)) return { path: childPath, message: "must not contain U+0000 or a lone surrogate in its name" };
        stack.push([child, childPath, depth + 1]);
      }
    }
  }
  return null;
};
