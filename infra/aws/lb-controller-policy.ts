// What the AWS Load Balancer Controller may do: the IAM policy its project publishes for v2.13
// (kubernetes-sigs/aws-load-balancer-controller, docs/install/iam_policy.json), as statements built
// here. It reads broadly, and creates, changes and deletes only load balancers, target groups and
// security groups that carry its own cluster tag (`elbv2.k8s.aws/cluster`). Keep it in step with the
// chart's appVersion (k8s/charts.ts) when upgrading.
import { policyDocument } from "./common.js";

/** The tag the controller puts on everything it creates; writes outside it are refused. */
const CLUSTER_TAG = "elbv2.k8s.aws/cluster";
const tagged = { Null: { [`aws:ResourceTag/${CLUSTER_TAG}`]: "false" } };
const taggedOnCreate = { Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: "false" } };
const retagOnly = { Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: "true", [`aws:ResourceTag/${CLUSTER_TAG}`]: "false" } };

const ELB = "arn:aws:elasticloadbalancing:*:*";
const LOAD_BALANCERS_AND_TARGET_GROUPS = [`${ELB}:targetgroup/*/*`, `${ELB}:loadbalancer/net/*/*`, `${ELB}:loadbalancer/app/*/*`];
const SECURITY_GROUPS = "arn:aws:ec2:*:*:security-group/*";

const READ_EC2 = [
  "DescribeAccountAttributes", "DescribeAddresses", "DescribeAvailabilityZones", "DescribeInternetGateways", "DescribeVpcs",
  "DescribeVpcPeeringConnections", "DescribeSubnets", "DescribeSecurityGroups", "DescribeInstances", "DescribeNetworkInterfaces",
  "DescribeTags", "GetCoipPoolUsage", "DescribeCoipPools", "GetSecurityGroupsForVpc", "DescribeIpamPools", "DescribeRouteTables",
].map((a) => `ec2:${a}`);

const READ_ELB = [
  "DescribeLoadBalancers", "DescribeLoadBalancerAttributes", "DescribeListeners", "DescribeListenerCertificates", "DescribeSSLPolicies",
  "DescribeRules", "DescribeTargetGroups", "DescribeTargetGroupAttributes", "DescribeTargetHealth", "DescribeTags", "DescribeTrustStores",
  "DescribeListenerAttributes", "DescribeCapacityReservation",
].map((a) => `elasticloadbalancing:${a}`);

/** Certificates, WAF, Shield and Cognito the controller looks up for an Ingress's annotations. */
const INTEGRATIONS = [
  "cognito-idp:DescribeUserPoolClient", "acm:ListCertificates", "acm:DescribeCertificate", "iam:ListServerCertificates", "iam:GetServerCertificate",
  "waf-regional:GetWebACL", "waf-regional:GetWebACLForResource", "waf-regional:AssociateWebACL", "waf-regional:DisassociateWebACL",
  "wafv2:GetWebACL", "wafv2:GetWebACLForResource", "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL",
  "shield:GetSubscriptionState", "shield:DescribeProtection", "shield:CreateProtection", "shield:DeleteProtection",
];

const MODIFY_OWN = [
  "ModifyLoadBalancerAttributes", "SetIpAddressType", "SetSecurityGroups", "SetSubnets", "DeleteLoadBalancer", "ModifyTargetGroup",
  "ModifyTargetGroupAttributes", "DeleteTargetGroup", "ModifyListenerAttributes", "ModifyCapacityReservation", "ModifyIpPools",
].map((a) => `elasticloadbalancing:${a}`);

export const loadBalancerControllerPolicy = (): string =>
  policyDocument([
    { Effect: "Allow", Action: "iam:CreateServiceLinkedRole", Resource: "*", Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } } },
    { Effect: "Allow", Action: [...READ_EC2, ...READ_ELB], Resource: "*" },
    { Effect: "Allow", Action: INTEGRATIONS, Resource: "*" },
    { Effect: "Allow", Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:CreateSecurityGroup"], Resource: "*" },
    { Effect: "Allow", Action: "ec2:CreateTags", Resource: SECURITY_GROUPS, Condition: { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" }, ...taggedOnCreate } },
    { Effect: "Allow", Action: ["ec2:CreateTags", "ec2:DeleteTags"], Resource: SECURITY_GROUPS, Condition: retagOnly },
    { Effect: "Allow", Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"], Resource: "*", Condition: tagged },
    { Effect: "Allow", Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"], Resource: "*", Condition: taggedOnCreate },
    { Effect: "Allow", Action: ["elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule"], Resource: "*" },
    { Effect: "Allow", Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"], Resource: LOAD_BALANCERS_AND_TARGET_GROUPS, Condition: retagOnly },
    {
      Effect: "Allow",
      Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
      Resource: [`${ELB}:listener/net/*/*/*`, `${ELB}:listener/app/*/*/*`, `${ELB}:listener-rule/net/*/*/*`, `${ELB}:listener-rule/app/*/*/*`],
    },
    { Effect: "Allow", Action: MODIFY_OWN, Resource: "*", Condition: tagged },
    {
      Effect: "Allow",
      Action: "elasticloadbalancing:AddTags",
      Resource: LOAD_BALANCERS_AND_TARGET_GROUPS,
      Condition: { StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"] }, ...taggedOnCreate },
    },
    { Effect: "Allow", Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"], Resource: `${ELB}:targetgroup/*/*` },
    {
      Effect: "Allow",
      Action: ["elasticloadbalancing:SetWebAcl", "elasticloadbalancing:ModifyListener", "elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:RemoveListenerCertificates", "elasticloadbalancing:ModifyRule", "elasticloadbalancing:SetRulePriorities"],
      Resource: "*",
    },
  ]);
