// Stack configuration: defaults, validation that reports every problem at once, and the committed
// Pulumi.<stack>.yaml files parse into valid configurations.
import { describe, expect, it } from "vitest";
import { APPROVED_INSTANCE_CLASSES, StackConfigError, parseStackConfig } from "../../infra/config.js";
import { readStackConfigFile } from "../../infra/synth/synth-stack.js";

const reader = (values: Record<string, unknown>) => (key: string) => {
  const v = values[key];
  return v === undefined ? undefined : typeof v === "string" ? v : JSON.stringify(v);
};
const PROD = { region: "us-east-1", backupRegion: "us-west-2", imageTag: "1.0.0", domain: "titan.example.com", monitoringDomain: "mon.titan.example.com", acmeEmail: "a@example.com" };

const problems = (stack: string, values: Record<string, unknown>): readonly string[] => {
  try {
    parseStackConfig(stack, reader(values));
  } catch (error) {
    if (error instanceof StackConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected the configuration to be refused");
};

describe("parseStackConfig", () => {
  it("fills the defaults of what ops/ leaves open", () => {
    const config = parseStackConfig("prod", reader(PROD));
    expect(config.platform).toBe("aws");
    expect(config.aws?.database).toMatchObject({ instanceClass: "db.m6g.large", crossRegionReplica: true });
    expect(config.aws?.cache.nodes).toBe(2);
    expect(config.dev).toBeUndefined();
  });

  it("reports every problem at once, naming the key", () => {
    expect(problems("prod", { ...PROD, imageTag: "latest", backupRegion: "us-east-1", cache: { nodes: 1 }, database: { instanceClass: "db.x1e.32xlarge", allocatedStorageGiB: 100, maxAllocatedStorageGiB: 100 }, cluster: { minNodes: 5, maxNodes: 3 } })).toEqual([
      "titan:imageTag: 'latest' is not allowed; pin a version or a digest",
      "titan:backupRegion: must differ from titan:region (copies must survive a region loss)",
      "titan:cluster: needs minNodes <= desiredNodes <= maxNodes, got 5 <= 5 <= 3",
      `titan:database.instanceClass: 'db.x1e.32xlarge' is not an approved database class (${APPROVED_INSTANCE_CLASSES.database.join(", ")})`,
      "titan:database.maxAllocatedStorageGiB: must be at least 10% above allocatedStorageGiB (100) for storage autoscaling, got 100",
      "titan:cache.nodes: must be an integer 2-6, got 1",
    ]);
  });

  it("needs an image repository on a stack without AWS, and refuses unknown stacks", () => {
    expect(problems("dev", { imageTag: "1", domain: "a.example.com", monitoringDomain: "b.example.com", acmeEmail: "a@example.com" })).toEqual([
      "titan:imageRepository: is required on a stack without AWS",
    ]);
    expect(() => parseStackConfig("staging", reader({}))).toThrow(/stack 'staging' is not one of dev, prod/);
  });

  it("accepts the committed Pulumi.dev.yaml and Pulumi.prod.yaml", () => {
    for (const stack of ["dev", "prod"] as const) {
      const values = readStackConfigFile(stack);
      expect(() => parseStackConfig(stack, (key) => values[`titan:${key}`])).not.toThrow();
    }
  });
});

describe("network layout", () => {
  it("carves /20 subnets out of the /16 and refuses anything else", async () => {
    const { subnetCidr } = await import("../../infra/aws/network.js");
    expect([0, 3, 5].map((i) => subnetCidr("10.40.0.0/16", i))).toEqual(["10.40.0.0/20", "10.40.48.0/20", "10.40.80.0/20"]);
    expect(() => subnetCidr("10.40.0.0/8", 0)).toThrow(/must be a \/16/);
    expect(() => subnetCidr("10.40.0.0/16", 16)).toThrow(/outside 0-15/);
  });
});
