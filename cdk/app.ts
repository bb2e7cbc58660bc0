#!/usr/bin/env node
/**
 * CDK entry: `npx cdk synth` / `npx cdk deploy`. Synthesises offline (no credentials,
 * no network); the account comes from the CLI's environment, the region from
 * `deploymentRegion` (eu-west-3 unless chosen; never outside the EU/EEA unless allowed).
 * Settings come from context: `-c advertiser="Acme SAS" -c sendingDomain=acme.fr`.
 */
import { Annotations, App } from 'aws-cdk-lib';
import { addComplianceChecks } from './checks.ts';
import { deploymentRegion } from './settings.ts';
import { ProspectHygieneStack } from './stack.ts';

const app = new App();
// EU residency: eu-west-3 unless the operator chose another EU/EEA region (cdk/settings.ts)
const { region, chosenBy } = deploymentRegion(app.node);
const stack = new ProspectHygieneStack(app, app.node.tryGetContext('stackName') ?? 'ProspectHygiene', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region },
  description: 'prospect-hygiene: lawful commercial prospecting pipeline (GDPR, CNIL, CPCE L34-5)',
});
Annotations.of(stack).addInfo(
  `region ${region} (${chosenBy === 'default' ? 'the default: -c region=… or AWS_REGION to choose another EU/EEA region' : `chosen by ${chosenBy}`})`,
);
addComplianceChecks(app);
app.synth();
