// Small AWS helpers every component uses: KMS keys with rotation, IAM trust documents, tags.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export const tagsFor = (stack: string, component: string): Record<string, string> => ({
  "titan:stack": stack,
  "titan:component": component,
  "managed-by": "pulumi",
});

/** A customer-managed key with yearly rotation; deleting it waits the longest window AWS allows. */
export function kmsKey(name: string, description: string, tags: Record<string, string>, opts: pulumi.CustomResourceOptions): aws.kms.Key {
  const key = new aws.kms.Key(name, { description, enableKeyRotation: true, deletionWindowInDays: 30, tags }, opts);
  new aws.kms.Alias(`${name}-alias`, { name: `alias/titan/${name}`, targetKeyId: key.keyId }, opts);
  return key;
}

export const serviceTrust = (service: string): string =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });

/** Trust for IAM roles for service accounts: only this namespace/account of this cluster may assume it. */
export const irsaTrust = (oidcProviderArn: pulumi.Input<string>, oidcIssuerUrl: pulumi.Input<string>, namespace: string, serviceAccount: string): pulumi.Output<string> =>
  pulumi.all([oidcProviderArn, oidcIssuerUrl]).apply(([arn, url]) => {
    const issuer = url.replace(/^https:\/\//, "");
    return JSON.stringify({
      Version: "2012-10-17",
      Statement: [{
        Effect: "Allow",
        Principal: { Federated: arn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`, [`${issuer}:aud`]: "sts.amazonaws.com" } },
      }],
    });
  });

export const policyDocument = (statements: readonly Record<string, unknown>[]): string => JSON.stringify({ Version: "2012-10-17", Statement: statements });
