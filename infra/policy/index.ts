// Policy pack entry for the Pulumi CLI: `pulumi preview --policy-pack infra/policy`. Constructing a
// PolicyPack starts the analyzer's gRPC server, so nothing else imports this file; tests and the
// synth run the same policies in-process through run.ts.
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies.js";

new PolicyPack("titan", { enforcementLevel: "mandatory", policies: [...POLICIES.resource, ...POLICIES.stack] });
