// What no input of Titan may carry, whatever its schema says: U+0000 and lone UTF-16 surrogates, which
// PostgreSQL stores in neither text nor jsonb (the first write would fail), and nesting deeper than
// MAX_INPUT_DEPTH, where copies, validators and JSON.stringify overflow the stack (JSON.parse takes far
// deeper). HTTP requests (http/input-guard.ts) and bus messages (bus.ts) are checked with it.
export const MAX_INPUT_DEPTH = 32;

// String.prototype.isWellFormed (ES2024, in Node 20) finds lone surrogates natively; lib ES2023 lacks its type.
const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();
const unstorable = (text: string): boolean => text.includes("\u0000") || !isWellFormed(text);

const pointerPart = (key: string): string => key.replace(/~/g, "~0").replace(/\//g, "~1");

export interface InputProblem {
  /** JSON pointer of the place, under `root`. */
  readonly path: string;
  readonly message: string;
}

/** Where a node sits: its parent's place and its key. The pointer text is built only for a problem. */
interface Place {
  readonly parent: Place | null;
  readonly key: string;
}

const pointerOf = (root: string, place: Place | null): string => {
  const keys: string[] = [];
  for (let p = place; p !== null; p = p.parent) keys.push(pointerPart(p.key));
  return keys.length === 0 ? root : `${root}/${keys.reverse().join("/")}`;
};

/** The first thing in `value` a request may not carry, or null. Iterative: it must not overflow where the others would. */
export const findInputProblem = (value: unknown, root: string): InputProblem | null => {
  const stack: Array<readonly [unknown, Place | null, number]> = [[value, null, 0]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, place, depth] = next;
    if (typeof node === "string") {
      if (unstorable(node)) return { path: pointerOf(root, place), message: "must not contain U+0000 or a lone surrogate" };
    } else if (node !== null && typeof node === "object") {
      if (depth >= MAX_INPUT_DEPTH) return { path: pointerOf(root, place), message: `is nested deeper than ${MAX_INPUT_DEPTH} levels` };
      for (const key in node) {
        if (!Object.hasOwn(node, key)) continue;
        const childPlace: Place = { parent: place, key };
        if (unstorable(key)) return { path: pointerOf(root, childPlace), message: "must not contain U+0000 or a lone surrogate in its name" };
        stack.push([(node as Record<string, unknown>)[key], childPlace, depth + 1]);
      }
    }
  }
  return null;
};
