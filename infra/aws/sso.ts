// Single sign-on for Grafana, Prometheus and Alertmanager: a Cognito user pool that requires MFA (TOTP)
// for every user, admin-created accounts only, and one OIDC client per gate (Grafana's own OAuth, and
// the oauth2-proxy in front of Prometheus and Alertmanager).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsFor } from "./common.js";

export interface SsoArgs {
  readonly stack: string;
  readonly region: string;
  /** Host of the monitoring UIs on the internal entry point. */
  readonly monitoringDomain: string;
}

export interface OidcClient {
  readonly clientId: pulumi.Output<string>;
  readonly clientSecret: pulumi.Output<string>;
}

export class Sso extends pulumi.ComponentResource {
  readonly issuerUrl: pulumi.Output<string>;
  /** Cognito's hosted endpoints (authorize, token, userInfo) live under this URL. */
  readonly authBaseUrl: pulumi.Output<string>;
  readonly grafana: OidcClient;
  readonly proxy: OidcClient;

  constructor(name: string, args: SsoArgs, opts?: pulumi.ComponentResourceOptions) {
    super("titan:aws:Sso", name, {}, opts);
    const child = { parent: this };
    const tags = tagsFor(args.stack, "sso");
    const pool = new aws.cognito.UserPool(`${name}-pool`, {
      name: `titan-${args.stack}-operators`,
      mfaConfiguration: "ON",
      softwareTokenMfaConfiguration: { enabled: true },
      adminCreateUserConfig: { allowAdminCreateUserOnly: true },
      passwordPolicy: { minimumLength: 14, requireLowercase: true, requireUppercase: true, requireNumbers: true, requireSymbols: true, temporaryPasswordValidityDays: 1 },
      accountRecoverySetting: { recoveryMechanisms: [{ name: "admin_only", priority: 1 }] },
      usernameAttributes: ["email"],
      deletionProtection: "ACTIVE",
      tags,
    }, child);
    const domain = new aws.cognito.UserPoolDomain(`${name}-domain`, { domain: `titan-${args.stack}-sso`, userPoolId: pool.id }, child);
    const client = (part: string, callbackPath: string): OidcClient => {
      const c = new aws.cognito.UserPoolClient(`${name}-${part}`, {
        userPoolId: pool.id,
        generateSecret: true,
        allowedOauthFlowsUserPoolClient: true,
        allowedOauthFlows: ["code"],
        allowedOauthScopes: ["openid", "email", "profile"],
        supportedIdentityProviders: ["COGNITO"],
        callbackUrls: [`https://${args.monitoringDomain}${callbackPath}`],
        preventUserExistenceErrors: "ENABLED",
      }, child);
      return { clientId: c.id, clientSecret: pulumi.secret(c.clientSecret) };
    };
    this.grafana = client("grafana", "/login/generic_oauth");
    this.proxy = client("proxy", "/oauth2/callback");
    this.issuerUrl = pulumi.interpolate`https://cognito-idp.${args.region}.amazonaws.com/${pool.id}`;
    this.authBaseUrl = pulumi.interpolate`https://${domain.domain}.auth.${args.region}.amazoncognito.com`;
    this.registerOutputs({ issuerUrl: this.issuerUrl });
  }
}
