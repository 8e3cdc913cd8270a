// Pulumi mocks that play the cloud: each resource's state is its inputs plus the computed fields a
// real provider would fill (ids, ARNs, endpoints), derived from the resource's name so two runs give
// identical bytes. Invokes (availability zones, an AMI parameter) answer with fixed, plausible values.
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

export const MOCK_ACCOUNT_ID = "123456789012";

const short = (text: string, length = 12): string => createHash("sha256").update(text).digest("hex").slice(0, length);

type State = Record<string, unknown>;

/** The AWS service part of a token `aws:rds/instance:Instance` → `rds`. */
const awsService = (type: string): string => type.split(":")[1]?.split("/")[0] ?? "aws";

function awsState(type: string, name: string, inputs: State, region: string): { id: string; state: State } {
  const id = `${awsService(type)}-${short(`${type}/${name}`)}`;
  const arn = `arn:aws:${awsService(type)}:${region}:${MOCK_ACCOUNT_ID}:${name}`;
  const base: State = { ...inputs, id, arn };
  switch (type) {
    case "aws:eks/cluster:Cluster": {
      const clusterName = (inputs.name as string | undefined) ?? name;
      const oidc = short(clusterName, 32).toUpperCase();
      return {
        id: clusterName,
        state: {
          ...base, name: clusterName, endpoint: `https://${oidc}.gr7.${region}.eks.amazonaws.com`,
          certificateAuthority: { data: Buffer.from(`mock-ca-${clusterName}`).toString("base64") },
          identities: [{ oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/${oidc}` }] }],
          vpcConfig: { ...(inputs.vpcConfig as State), clusterSecurityGroupId: `sg-${short(`${name}/cluster`)}` },
        },
      };
    }
    case "aws:eks/nodeGroup:NodeGroup":
      return { id, state: { ...base, nodeGroupName: name } };
    case "aws:rds/instance:Instance": {
      const address = `${(inputs.identifier as string | undefined) ?? name}.${short(region, 10)}.${region}.rds.amazonaws.com`;
      return { id, state: { ...base, address, endpoint: `${address}:5432`, masterUserSecrets: [{ secretArn: `arn:aws:secretsmanager:${region}:${MOCK_ACCOUNT_ID}:secret:rds!${short(name)}` }] } };
    }
    case "aws:elasticache/replicationGroup:ReplicationGroup":
      return { id, state: { ...base, primaryEndpointAddress: `master.${(inputs.replicationGroupId as string | undefined) ?? name}.${short(region, 6)}.cache.amazonaws.com` } };
    case "aws:s3/bucket:Bucket": {
      const bucket = (inputs.bucket as string | undefined) ?? name;
      return { id: bucket, state: { ...base, bucket, arn: `arn:aws:s3:::${bucket}` } };
    }
    case "aws:kms/key:Key":
      return { id, state: { ...base, keyId: id, arn: `arn:aws:kms:${region}:${MOCK_ACCOUNT_ID}:key/${id}` } };
    case "aws:iam/role:Role":
      return { id: name, state: { ...base, name, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${name}` } };
    case "aws:ecr/repository:Repository":
      return { id, state: { ...base, repositoryUrl: `${MOCK_ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com/${(inputs.name as string | undefined) ?? name}` } };
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { id, state: { ...base, latestVersion: 1 } };
    case "aws:cognito/userPoolClient:UserPoolClient":
      return { id, state: { ...base, clientSecret: `mock-client-secret-${short(name)}` } };
    case "aws:cognito/userPool:UserPool":
      return { id: `${region}_${short(name, 9)}`, state: { ...base, id: `${region}_${short(name, 9)}` } };
    default:
      return { id, state: base };
  }
}

export function titanMocks(defaultRegion: string): pulumi.runtime.Mocks {
  // Explicit AWS providers by name → their region, so each resource and invoke answers for its own region.
  const providerRegions = new Map<string, string>();
  const regionOf = (provider: string | undefined): string => {
    const name = provider?.split("::")[3];
    return (name !== undefined ? providerRegions.get(name) : undefined) ?? defaultRegion;
  };
  return {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: State } {
      const inputs = args.inputs as State;
      if (args.type === "pulumi:providers:aws" && typeof inputs.region === "string") providerRegions.set(args.name, inputs.region);
      if (args.type.startsWith("aws:")) return awsState(args.type, args.name, inputs, regionOf(args.provider));
      if (args.type === "random:index/randomPassword:RandomPassword") {
        return { id: `random-${short(args.name)}`, state: { ...inputs, result: `mock-${short(args.name, 24)}`, bcryptHash: "mock" } };
      }
      if (args.type === "kubernetes:helm.sh/v3:Release") {
        return { id: `${String(inputs.namespace)}/${String(inputs.name)}`, state: { ...inputs, status: { status: "deployed", version: inputs.version } } };
      }
      return { id: `${args.name}-id`, state: inputs };
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
      switch (args.token) {
        case "aws:index/getAvailabilityZones:getAvailabilityZones": {
          const r = regionOf(args.provider);
          return { names: ["a", "b", "c"].map((z) => `${r}${z}`), zoneIds: ["1", "2", "3"].map((z) => `az-${z}`), id: r };
        }
        case "aws:ssm/getParameter:getParameter":
          return { name: args.inputs.name, value: "ami-0mock0000000000000", type: "String", id: String(args.inputs.name) };
        default:
          throw new Error(`synth mocks: no answer for the invoke ${args.token}`);
      }
    },
  };
}
