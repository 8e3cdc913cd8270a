// EKS with a private API endpoint only (reached from the Session Manager admin host), managed node
// groups that the Cluster Autoscaler grows so pod autoscaling has room, IAM roles for service
// accounts, and Kubernetes Secrets encrypted with a customer-managed KMS key.
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "../config.js";
import { irsaTrust, kmsKey, policyDocument, serviceTrust, tagsFor } from "./common.js";

export interface ClusterArgs {
  readonly stack: string;
  readonly config: ClusterConfig;
  readonly privateSubnetIds: pulumi.Input<string>[];
  readonly nodeSecurityGroupId: pulumi.Input<string>;
  readonly adminSecurityGroupId: pulumi.Input<string>;
  readonly adminHostInstanceType: string;
}

const MANAGED = "arn:aws:iam::aws:policy";
const HTTPS_PORT = 443;

export class Cluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly oidcProviderArn: pulumi.Output<string>;
  readonly oidcIssuerUrl: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  readonly nodeGroupName: pulumi.Output<string>;
  private readonly tags: Record<string, string>;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("titan:aws:Cluster", name, {}, opts);
    const child = { parent: this };
    const tags = (this.tags = tagsFor(args.stack, "cluster"));
    const clusterName = `titan-${args.stack}`;
    const role = (part: string, service: string, policies: string[]) => {
      const r = new aws.iam.Role(`${name}-${part}`, { assumeRolePolicy: serviceTrust(service), tags }, child);
      policies.forEach((policy) => new aws.iam.RolePolicyAttachment(`${name}-${part}-${policy.split("/").pop()}`, { role: r.name, policyArn: `${MANAGED}/${policy}` }, child));
      return r;
    };
    const clusterRole = role("cluster-role", "eks.amazonaws.com", ["AmazonEKSClusterPolicy"]);
    const secretsKey = kmsKey(`${name}-secrets`, "EKS Secrets envelope encryption", tags, child);
    const cluster = new aws.eks.Cluster(`${name}-eks`, {
      name: clusterName,
      version: args.config.kubernetesVersion,
      roleArn: clusterRole.arn,
      vpcConfig: { subnetIds: args.privateSubnetIds, endpointPrivateAccess: true, endpointPublicAccess: false, securityGroupIds: [args.nodeSecurityGroupId] },
      encryptionConfig: { provider: { keyArn: secretsKey.arn }, resources: ["secrets"] },
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
      enabledClusterLogTypes: ["api", "audit", "authenticator"],
      tags,
    }, child);
    const clusterSg = cluster.vpcConfig.apply((v) => v.clusterSecurityGroupId ?? "");

    // The API is private: the admin host (Session Manager, no inbound rule) is the way in.
    const adminRole = role("admin-host", "ec2.amazonaws.com", ["AmazonSSMManagedInstanceCore"]);
    const adminProfile = new aws.iam.InstanceProfile(`${name}-admin-host`, { role: adminRole.name, tags }, child);
    const ami = aws.ssm.getParameterOutput({ name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64" }, child);
    new aws.ec2.Instance(`${name}-admin-host`, {
      ami: ami.value,
      instanceType: args.adminHostInstanceType,
      subnetId: args.privateSubnetIds[0],
      vpcSecurityGroupIds: [args.adminSecurityGroupId],
      iamInstanceProfile: adminProfile.name,
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" },
      rootBlockDevice: { encrypted: true, volumeType: "gp3" },
      tags: { ...tags, Name: `${clusterName}-admin` },
    }, child);
    new aws.vpc.SecurityGroupIngressRule(`${name}-api-from-admin`, {
      securityGroupId: clusterSg, referencedSecurityGroupId: args.adminSecurityGroupId, ipProtocol: "tcp", fromPort: HTTPS_PORT, toPort: HTTPS_PORT, description: "Kubernetes API from the admin host",
    }, child);
    const adminEntry = new aws.eks.AccessEntry(`${name}-admin-host`, { clusterName: cluster.name, principalArn: adminRole.arn, type: "STANDARD", tags }, child);
    new aws.eks.AccessPolicyAssociation(`${name}-admin-host`, {
      clusterName: cluster.name, principalArn: adminRole.arn, policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster" },
    }, { ...child, dependsOn: [adminEntry] });

    const nodeRole = role("node-role", "ec2.amazonaws.com", ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore"]);
    const template = new aws.ec2.LaunchTemplate(`${name}-nodes`, {
      // Hop limit 1: pods cannot reach the node's instance credentials; they use IRSA.
      metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" },
      blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: args.config.nodeDiskGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }],
      vpcSecurityGroupIds: [clusterSg, args.nodeSecurityGroupId],
      tagSpecifications: [{ resourceType: "instance", tags }],
      tags,
    }, child);
    const nodeGroup = new aws.eks.NodeGroup(`${name}-nodes`, {
      clusterName: cluster.name,
      nodeRoleArn: nodeRole.arn,
      subnetIds: args.privateSubnetIds,
      instanceTypes: [...args.config.nodeInstanceTypes],
      scalingConfig: { minSize: args.config.minNodes, desiredSize: args.config.desiredNodes, maxSize: args.config.maxNodes },
      updateConfig: { maxUnavailable: 1 },
      launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
      tags: { ...tags, "k8s.io/cluster-autoscaler/enabled": "true", [`k8s.io/cluster-autoscaler/${clusterName}`]: "owned" },
    }, { ...child, ignoreChanges: ["scalingConfig.desiredSize"] });

    const issuer = cluster.identities.apply((ids) => ids[0]?.oidcs?.[0]?.issuer ?? "");
    const oidc = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, { url: issuer, clientIdLists: ["sts.amazonaws.com"], tags }, child);
    this.oidcProviderArn = oidc.arn;
    this.oidcIssuerUrl = issuer;

    const ebsRole = this.serviceAccountRole("ebs-csi", "kube-system", "ebs-csi-controller-sa", [`${MANAGED}/service-role/AmazonEBSCSIDriverPolicy`]);
    for (const addon of ["vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver"]) {
      new aws.eks.Addon(`${name}-${addon}`, {
        clusterName: cluster.name, addonName: addon, resolveConflictsOnUpdate: "OVERWRITE",
        ...(addon === "aws-ebs-csi-driver" ? { serviceAccountRoleArn: ebsRole.arn } : {}), tags,
      }, { ...child, dependsOn: [nodeGroup] });
    }

    this.kubeconfig = pulumi.secret(pulumi.all([cluster.name, cluster.endpoint, cluster.certificateAuthority]).apply(([clusterId, endpoint, ca]) =>
      JSON.stringify({
        apiVersion: "v1", kind: "Config", "current-context": clusterId,
        clusters: [{ name: clusterId, cluster: { server: endpoint, "certificate-authority-data": ca.data } }],
        contexts: [{ name: clusterId, context: { cluster: clusterId, user: clusterId } }],
        users: [{ name: clusterId, user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", clusterId] } } }],
      })));
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { ...child, dependsOn: [nodeGroup] });
    this.clusterName = cluster.name;
    this.nodeGroupName = nodeGroup.nodeGroupName;
    this.registerOutputs({ clusterName: this.clusterName, oidcProviderArn: this.oidcProviderArn });
  }

  /** An IAM role only the given Kubernetes service account of this cluster can assume. */
  serviceAccountRole(part: string, namespace: string, serviceAccount: string, managedPolicyArns: string[], inline?: pulumi.Input<string>): aws.iam.Role {
    const child = { parent: this };
    const role = new aws.iam.Role(`irsa-${part}`, { assumeRolePolicy: irsaTrust(this.oidcProviderArn, this.oidcIssuerUrl, namespace, serviceAccount), tags: this.tags }, child);
    managedPolicyArns.forEach((arn, i) => new aws.iam.RolePolicyAttachment(`irsa-${part}-${i}`, { role: role.name, policyArn: arn }, child));
    if (inline !== undefined) new aws.iam.RolePolicy(`irsa-${part}`, { role: role.id, policy: inline }, child);
    return role;
  }
}

/** What the Cluster Autoscaler may do: resize this cluster's tagged node groups, nothing else. */
export const clusterAutoscalerPolicy = (clusterName: string): string =>
  policyDocument([
    { Effect: "Allow", Action: ["autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances", "autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities", "autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements", "eks:DescribeNodegroup"], Resource: "*" },
    { Effect: "Allow", Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"], Resource: "*", Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" } } },
  ]);
