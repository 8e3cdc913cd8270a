// Rules for operator accounts: names, passwords, and which roles must log in with a second factor.
import { SECURITY } from "../../../ops/index.js";
import type { Role } from "../../shared/contracts/index.js";

export const USERNAME_PATTERN = /^[a-z][a-z0-9._-]{2,63}$/;

/**
 * NIST SP 800-63B asks for at least 8 characters and no composition rules; operators of a trading
 * system get 12. The upper bound only keeps argon2's input reasonable.
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** Every problem with a new password, one line each; empty when acceptable. */
export const passwordProblems = (password: string, username: string): string[] => {
  const problems: string[] = [];
  if ([...password].length < PASSWORD_MIN_LENGTH) problems.push(`password must be at least ${PASSWORD_MIN_LENGTH} characters`);
  if ([...password].length > PASSWORD_MAX_LENGTH) problems.push(`password must be at most ${PASSWORD_MAX_LENGTH} characters`);
  if (username !== "" && password.toLowerCase().includes(username.toLowerCase())) problems.push("password must not contain the username");
  if (/^(.)\1*$/u.test(password)) problems.push("password must not be one character repeated");
  return problems;
};

/** The seed requires a second factor for these roles (ops SECURITY.mfaRequiredRoles). */
export const mfaRequired = (role: Role): boolean => (SECURITY.mfaRequiredRoles.value as readonly Role[]).includes(role);
