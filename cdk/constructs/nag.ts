/**
 * Acknowledging a cdk-nag finding on exactly the resource it is about. IAM5 findings
 * are named after the wildcard resource as cdk-nag prints it (`<LogicalId.Arn>/incoming/*`),
 * so the acknowledgement is computed the same way rather than copied from a synth log.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/** Acknowledges AwsSolutions-IAM5 for one wildcard resource of a policy under `scope`. */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  const flat = flattenCfnReference(Stack.of(scope).resolve(resource));
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
}
