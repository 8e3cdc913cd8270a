// Alertmanager's credential: the bearer token it reads from a file (`http_config.authorization.
// credentials_file`), accepted at the webhook route only, as the service principal "alertmanager".
// The console reads the same secret file on each notification, so a rotated token takes effect
// without a restart. A wrong token is rejected (401, counted as every refusal is); a missing file
// means no token is valid.
import { createHash, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { bearerToken, type AuthStrategy } from "../../shared/auth/index.js";
import { ALERTMANAGER_WEBHOOK_PATH } from "../http/incident-paths.js";

export { ALERTMANAGER_WEBHOOK_PATH };
export const ALERTMANAGER_PRINCIPAL_ID = "alertmanager";

const sha256 = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

/** The token in `file`, or null when the file is missing or empty. */
export const readWebhookToken = async (file: string): Promise<string | null> => {
  try {
    const token = (await readFile(file, "utf8")).trim();
    return token.length > 0 ? token : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
};

/** Constant-time comparison (of digests, so unequal lengths leak nothing either). */
export const webhookTokenMatches = (presented: string, expected: string): boolean => timingSafeEqual(sha256(presented), sha256(expected));

export const alertmanagerWebhookStrategy = (tokenFile: string): AuthStrategy => ({
  name: "alertmanager-webhook",
  async authenticate(request) {
    const r = request as typeof request & { readonly method?: string; readonly url?: string };
    if (r.method !== "POST" || (r.url ?? "").split("?")[0] !== ALERTMANAGER_WEBHOOK_PATH) return { kind: "pass" };
    const presented = bearerToken(request.headers);
    if (presented === null) return { kind: "pass" };
    const expected = await readWebhookToken(tokenFile);
    if (expected === null || !webhookTokenMatches(presented, expected)) return { kind: "rejected", reason: "invalid_token" };
    return { kind: "principal", principal: { kind: "service", id: ALERTMANAGER_PRINCIPAL_ID, name: "alertmanager", role: "viewer", scopes: [] } };
  },
});
