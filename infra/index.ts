// Entry point of the Pulumi program (Pulumi.yaml `main`): reads the stack's configuration, validates it,
// and declares the platform. Stack outputs are this module's exports.
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "./config.js";
import { monitoringInputs } from "./monitoring-inputs.js";
import { defineStack } from "./program.js";

const titanConfig = new pulumi.Config("titan");
const config = parseStackConfig(pulumi.getStack(), (key) => titanConfig.get(key));

export const outputs = defineStack(config, monitoringInputs());
