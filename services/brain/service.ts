// The brain service as the shared runtime runs it. Its domain arrives with its own issue; today it boots,
// migrates its schema, relays its outbox and answers health and metrics.
import type { ServiceDefinition } from "../shared/runtime.js";

export const brainService: ServiceDefinition<"brain"> = { service: "brain" };
