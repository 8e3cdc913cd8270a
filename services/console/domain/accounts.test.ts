import { describe, expect, it } from "vitest";
import { PASSWORD_MIN_LENGTH, USERNAME_PATTERN, mfaRequired, passwordProblems } from "./accounts.js";

describe("accounts", () => {
  it("require a second factor of operators and admins, as ops/ says", () => {
    expect(mfaRequired("viewer")).toBe(false);
    expect(mfaRequired("operator")).toBe(true);
    expect(mfaRequired("admin")).toBe(true);
  });

  it("name every problem with a password", () => {
    expect(passwordProblems("correct horse battery staple", "alice")).toEqual([]);
    expect(passwordProblems("aaaa", "bob")).toEqual([`password must be at least ${PASSWORD_MIN_LENGTH} characters`, "password must not be one character repeated"]);
    expect(passwordProblems("my name is alice, hi!", "alice")).toEqual(["password must not contain the username"]);
    expect(passwordProblems("é".repeat(11) + "x", "bob")).toEqual([]);
  });

  it("take lower-case usernames of 3 to 64 characters", () => {
    for (const ok of ["bob", "alice.smith", "ops-1", "a_b"]) expect(USERNAME_PATTERN.test(ok)).toBe(true);
    for (const bad of ["Bob", "ab", "1bob", "bob smith", "a".repeat(65), ""]) expect(USERNAME_PATTERN.test(bad)).toBe(false);
  });
});
