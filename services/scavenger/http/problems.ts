// Parameter problems as the problem+json `errors` list: each names its field as a JSON pointer into
// the request body (`/body/parameters/volumeCluster/profileBins`), so a client can point at it.
import type { ProblemFieldError } from "../../shared/http/index.js";

/** `a.b[0].c: message` (parseScavengerParameters' form) → { path: "/body/parameters/a/b/0/c", message }. */
export function parameterProblemsAsErrors(problems: readonly string[]): ProblemFieldError[] {
  return problems.map((problem) => {
    const split = problem.indexOf(": ");
    const field = split < 0 ? "(root)" : problem.slice(0, split);
    const message = split < 0 ? problem : problem.slice(split + 2);
    const segments = field === "(root)" ? [] : field.replace(/\[(\d+)\]/g, ".$1").split(".").filter((s) => s.length > 0);
    const pointer = segments.map((s) => s.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
    return { path: `/body/parameters${pointer ? `/${pointer}` : ""}`, message };
  });
}
