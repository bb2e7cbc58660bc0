/**
 * The compliance checks every synth runs: cdk-nag's AwsSolutions pack (v3, through CDK's
 * own Validations). A finding fails the synth unless acknowledged, with its reason, on
 * the construct it is about.
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

export function addComplianceChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
