// VPC over three AZs: public subnets for the load balancers and NAT, private subnets for nodes, the
// database and the cache. Security groups admit only the flows needed: PostgreSQL and Redis from the
// cluster's nodes alone; the admin host has no inbound rule at all (Session Manager only).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsFor } from "./common.js";

export const AZ_COUNT = 3;
export const POSTGRES_PORT = 5432;
export const REDIS_PORT = 6379;

export interface NetworkArgs {
  readonly stack: string;
  /** A /16; subnets are carved as /20s: public 0-2, private 3-5. */
  readonly vpcCidr: string;
  readonly availabilityZones: pulumi.Input<string[]>;
  readonly natGateways: 1 | 3;
}

/** `10.40.0.0/16`, 4 → `10.40.64.0/20`. Pure, so the layout is tested without AWS. */
export function subnetCidr(vpcCidr: string, index: number): string {
  const match = /^(\d+)\.(\d+)\.0\.0\/16$/.exec(vpcCidr);
  if (!match) throw new Error(`network: vpcCidr must be a /16 such as 10.40.0.0/16, got ${vpcCidr}`);
  if (!Number.isInteger(index) || index < 0 || index > 15) throw new Error(`network: subnet index ${index} is outside 0-15`);
  return `${match[1]}.${match[2]}.${index * 16}.0/20`;
}

export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetCidrs: string[];
  /** Attached to every node: the only source the database and cache admit. */
  readonly nodeSecurityGroupId: pulumi.Output<string>;
  readonly databaseSecurityGroupId: pulumi.Output<string>;
  readonly cacheSecurityGroupId: pulumi.Output<string>;
  readonly adminSecurityGroupId: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("titan:aws:Network", name, {}, opts);
    const tags = tagsFor(args.stack, "network");
    const child = { parent: this };
    const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: args.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...tags, Name: `titan-${args.stack}` } }, child);
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags }, child);
    const azs = pulumi.output(args.availabilityZones).apply((zones) => {
      if (zones.length < AZ_COUNT) throw new Error(`network: needs ${AZ_COUNT} availability zones, the region has ${zones.length}`);
      return zones.slice(0, AZ_COUNT);
    });
    const publicRt = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags }, child);
    this.publicSubnetIds = [];
    this.privateSubnetIds = [];
    this.privateSubnetCidrs = [];
    const nats: aws.ec2.NatGateway[] = [];
    for (let i = 0; i < AZ_COUNT; i++) {
      const az = azs.apply((zones) => zones[i] as string);
      const pub = new aws.ec2.Subnet(`${name}-public-${i}`, {
        vpcId: vpc.id, cidrBlock: subnetCidr(args.vpcCidr, i), availabilityZone: az, mapPublicIpOnLaunch: false,
        tags: { ...tags, "kubernetes.io/role/elb": "1", Name: `titan-${args.stack}-public-${i}` },
      }, child);
      new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: pub.id, routeTableId: publicRt.id }, child);
      this.publicSubnetIds.push(pub.id);
      if (i < args.natGateways) {
        const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags }, child);
        nats.push(new aws.ec2.NatGateway(`${name}-nat-${i}`, { allocationId: eip.id, subnetId: pub.id, tags }, { ...child, dependsOn: [igw] }));
      }
    }
    for (let i = 0; i < AZ_COUNT; i++) {
      const cidr = subnetCidr(args.vpcCidr, AZ_COUNT + i);
      const nat = nats[Math.min(i, nats.length - 1)] as aws.ec2.NatGateway;
      const priv = new aws.ec2.Subnet(`${name}-private-${i}`, {
        vpcId: vpc.id, cidrBlock: cidr, availabilityZone: azs.apply((zones) => zones[i] as string),
        tags: { ...tags, "kubernetes.io/role/internal-elb": "1", Name: `titan-${args.stack}-private-${i}` },
      }, child);
      const rt = new aws.ec2.RouteTable(`${name}-private-${i}`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags }, child);
      new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: priv.id, routeTableId: rt.id }, child);
      this.privateSubnetIds.push(priv.id);
      this.privateSubnetCidrs.push(cidr);
    }
    const sg = (part: string, description: string) =>
      new aws.ec2.SecurityGroup(`${name}-${part}`, { vpcId: vpc.id, description, tags: { ...tags, Name: `titan-${args.stack}-${part}` } }, child);
    const nodes = sg("nodes", "Titan cluster nodes");
    const database = sg("database", "PostgreSQL: from cluster nodes only");
    const cache = sg("cache", "Redis: from cluster nodes only");
    const admin = sg("admin", "Admin host: no inbound, Session Manager only");
    new aws.vpc.SecurityGroupIngressRule(`${name}-database-from-nodes`, {
      securityGroupId: database.id, referencedSecurityGroupId: nodes.id, ipProtocol: "tcp", fromPort: POSTGRES_PORT, toPort: POSTGRES_PORT, description: "PostgreSQL from nodes",
    }, child);
    new aws.vpc.SecurityGroupIngressRule(`${name}-cache-from-nodes`, {
      securityGroupId: cache.id, referencedSecurityGroupId: nodes.id, ipProtocol: "tcp", fromPort: REDIS_PORT, toPort: REDIS_PORT, description: "Redis from nodes",
    }, child);
    new aws.vpc.SecurityGroupIngressRule(`${name}-nodes-from-nodes`, {
      securityGroupId: nodes.id, referencedSecurityGroupId: nodes.id, ipProtocol: "-1", description: "Pod and node traffic inside the cluster",
    }, child);
    for (const [part, group] of [["nodes", nodes], ["admin", admin]] as const) {
      new aws.vpc.SecurityGroupEgressRule(`${name}-${part}-egress`, { securityGroupId: group.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "-1", description: "Outbound through NAT" }, child);
    }
    this.vpcId = vpc.id;
    this.nodeSecurityGroupId = nodes.id;
    this.databaseSecurityGroupId = database.id;
    this.cacheSecurityGroupId = cache.id;
    this.adminSecurityGroupId = admin.id;
    this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
  }
}
