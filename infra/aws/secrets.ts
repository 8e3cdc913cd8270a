// AWS Secrets Manager holds every secret of the catalogue under titan/<stack>/, encrypted with the
// stack's key. Generated values come from random passwords (secret outputs, redacted in every synth);
// operator secrets (exchange keys) are created empty and filled with `aws secretsmanager
// put-secret-value`. Only the External Secrets Operator's role may read them.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GENERATED_SECRET_LENGTH, REDIS_SECRET, SECRET_CATALOG } from "../secret-catalog.js";
import { kmsKey, policyDocument, tagsFor } from "./common.js";

export interface SecretsArgs {
  readonly stack: string;
}

export const secretPrefix = (stack: string): string => `titan/${stack}`;

export class Secrets extends pulumi.ComponentResource {
  /** Secrets Manager name of each catalogue entry. */
  readonly remoteNames: Record<string, string> = {};
  readonly keyArn: pulumi.Output<string>;
  readonly redisAuthToken: pulumi.Output<string>;
  /** What the External Secrets Operator may read and decrypt. */
  readonly readPolicy: pulumi.Output<string>;

  constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("titan:aws:Secrets", name, {}, opts);
    const child = { parent: this };
    const tags = tagsFor(args.stack, "secrets");
    const key = kmsKey(`${name}-key`, "Secrets Manager: Titan secrets", tags, child);
    const arns: pulumi.Output<string>[] = [];
    let redisToken: pulumi.Output<string> | undefined;
    for (const spec of SECRET_CATALOG) {
      const remoteName = `${secretPrefix(args.stack)}/${spec.name}`;
      this.remoteNames[spec.name] = remoteName;
      const secret = new aws.secretsmanager.Secret(`${name}-${spec.name}`, { name: remoteName, description: spec.description, kmsKeyId: key.arn, recoveryWindowInDays: 30, tags }, child);
      arns.push(secret.arn);
      if (spec.source !== "generated") continue;
      const generated = new random.RandomPassword(`${name}-${spec.name}`, { length: GENERATED_SECRET_LENGTH, special: false }, child);
      const [generatedKey] = spec.keys.filter((k) => !(k in (spec.fixed ?? {})));
      if (generatedKey === undefined) throw new Error(`secrets: ${spec.name} has no key to generate`);
      new aws.secretsmanager.SecretVersion(`${name}-${spec.name}`, {
        secretId: secret.id,
        secretString: pulumi.secret(generated.result.apply((value) => JSON.stringify({ ...spec.fixed, [generatedKey]: value }))),
      }, child);
      if (spec.name === REDIS_SECRET) redisToken = generated.result;
    }
    if (redisToken === undefined) throw new Error("secrets: the catalogue has no Redis secret");
    this.redisAuthToken = pulumi.secret(redisToken);
    this.keyArn = key.arn;
    this.readPolicy = pulumi.all([pulumi.all(arns), key.arn]).apply(([secretArns, keyArn]) => policyDocument([
      { Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: secretArns },
      { Effect: "Allow", Action: ["kms:Decrypt"], Resource: keyArn },
    ]));
    this.registerOutputs({ keyArn: this.keyArn });
  }
}
