// argon2id password hashing (@node-rs/argon2: prebuilt, no build step). The parameters are OWASP's
// first recommendation (19 MiB, 2 passes, 1 lane), about 30 ms here: slow for a guesser, quick for a login.
import { hash, verify } from "@node-rs/argon2";

/** Algorithm.Argon2id, an ambient const enum the compiler cannot import here. */
const ARGON2ID = 2;
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => hash(password, OPTIONS);

export const verifyPassword = async (passwordHash: string, password: string): Promise<boolean> => {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
};

let dummy: Promise<string> | null = null;

/** Spends the time a real check would, so an unknown username is not told apart by the answer's speed. */
export const verifyAgainstNobody = async (password: string): Promise<false> => {
  dummy ??= hashPassword("titan: a password no account has");
  await verifyPassword(await dummy, password);
  return false;
};
