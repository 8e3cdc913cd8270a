import { describe, expect, it } from "vitest";
import { parseScavengerParameters } from "../domain/index.js";
import { parameterProblemsAsErrors } from "./problems.js";

describe("parameter problems become problem+json field errors", () => {
  it("names each field by a JSON pointer into the request body", () => {
    expect(parameterProblemsAsErrors(["volumeCluster.profileBins: must be >= 2", "(root): must be an object", "a[0].b: bad"])).toEqual([
      { path: "/body/parameters/volumeCluster/profileBins", message: "must be >= 2" },
      { path: "/body/parameters", message: "must be an object" },
      { path: "/body/parameters/a/0/b", message: "bad" },
    ]);
  });

  it("keeps one entry per problem the parser reports", () => {
    const result = parseScavengerParameters({ maxLeverage: 99, cooldownSeconds: -1, quality: { volumeWeight: 0.9 } });
    if (result.ok) throw new Error("expected problems");
    const errors = parameterProblemsAsErrors(result.problems);
    expect(errors).toHaveLength(result.problems.length);
    expect(errors.map((e) => e.path)).toEqual(expect.arrayContaining(["/body/parameters/maxLeverage", "/body/parameters/cooldownSeconds", "/body/parameters/quality"]));
  });
});
