import { describe, expect, it } from "vitest";
import { validationErrors } from "./problem.js";

describe("validation problems", () => {
  it("give one entry per location, the union's own verdict rather than each failed branch", () => {
    const issues = [
      { instancePath: "/extra", keyword: "boolean", message: "schema is false" },
      { instancePath: "/role", keyword: "const", message: "must be equal to constant" },
      { instancePath: "/role", keyword: "const", message: "must be equal to constant" },
      { instancePath: "/role", keyword: "anyOf", message: "must match a schema in anyOf" },
      { instancePath: "/qty", keyword: "minimum", message: "must be >= 1" },
    ];
    expect(validationErrors("body", issues)).toEqual([
      { path: "/body/extra", message: "is not an allowed property" },
      { path: "/body/role", message: "must match a schema in anyOf" },
      { path: "/body/qty", message: "must be >= 1" },
    ]);
  });
});
