// Encryption of small secrets at rest (TOTP secrets): AES-256-GCM, stored as iv ‖ tag ‖ ciphertext.
// The key is derived (HKDF-SHA256) from key material that lives outside the database.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretBox {
  seal(plaintext: string): Buffer;
  /** Throws when the box was sealed with another key or altered. */
  open(sealed: Buffer): string;
}

export const secretBox = (keyMaterial: string, purpose = "titan-console:totp"): SecretBox => {
  if (keyMaterial.length < 32) throw new Error("secret box key material must be at least 32 characters");
  const key = Buffer.from(hkdfSync("sha256", Buffer.from(keyMaterial, "utf8"), Buffer.alloc(0), purpose, 32));
  return {
    seal(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    open(sealed) {
      if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error("sealed secret is too short");
      const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, IV_BYTES));
      decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
    },
  };
};
