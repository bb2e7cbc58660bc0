#!/usr/bin/env node
/**
 * CDK entry: `npx cdk synth` / `npx cdk deploy`. Synthesises offline (no credentials,
 * no network); the account and region come from the CLI's environment at deploy time.
 * Settings come from context: `-c advertiser="Acme SAS" -c sendingDomain=acme.fr`.
 */
import { App } from 'aws-cdk-lib';
import { addComplianceChecks } from './checks.ts';
import { ProspectHygieneStack } from './stack.ts';

const app = new App();
new ProspectHygieneStack(app, app.node.tryGetContext('stackName') ?? 'ProspectHygiene', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION ?? 'eu-west-3' },
  description: 'prospect-hygiene: lawful commercial prospecting pipeline (GDPR, CNIL, CPCE L34-5)',
});
addComplianceChecks(app);
app.synth();
