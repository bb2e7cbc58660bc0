/**
 * The deployment's configuration from CDK context: command-line strings become typed
 * values, defaults come from shared/schemas/settings.ts, a wrong value names its field.
 */
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '#schemas/settings';
import { deploymentRegion, readDeploymentConfig } from '../../cdk/settings.ts';

const configFrom = (context: Record<string, unknown>) => readDeploymentConfig(new App({ context }).node);

describe('readDeploymentConfig', () => {
  it('no context: the rulebook defaults and the infrastructure defaults', () => {
    const config = configFrom({});
    expect(config.settings).toEqual(defaultSettings);
    expect(config.deployment).toMatchObject({
      maxReadRequestUnits: 4000,
      maxWriteRequestUnits: 4000,
      logRetentionDays: 365,
      ingestWorkers: 4,
    });
    expect(config.unsubscribeBaseUrl).toBeUndefined();
  });

  it.each([
    [
      'advertiser',
      'Dupont & Fils SAS',
      (c: ReturnType<typeof configFrom>) => c.settings.advertiser,
      'Dupont & Fils SAS',
    ],
    ['retentionYears', '5', (c: ReturnType<typeof configFrom>) => c.settings.retentionYears, 5],
    ['rejectGenericReply', 'false', (c: ReturnType<typeof configFrom>) => c.settings.rejectGenericReply, false],
    ['sendingDomain', 'acme.fr', (c: ReturnType<typeof configFrom>) => c.deployment.sendingDomain, 'acme.fr'],
    ['maxWriteRequestUnits', '800', (c: ReturnType<typeof configFrom>) => c.deployment.maxWriteRequestUnits, 800],
    ['ingestWorkers', '40', (c: ReturnType<typeof configFrom>) => c.deployment.ingestWorkers, 40],
  ])('-c %s=%s (a command-line string) is typed', (key, raw, read, expected) => {
    expect(read(configFrom({ [key]: raw }))).toEqual(expected);
  });

  it('-c smsWindow=<json> sets a nested setting', () => {
    const config = configFrom({ smsWindow: JSON.stringify({ ...defaultSettings.smsWindow, from: '09:00' }) });
    expect(config.settings.smsWindow.from).toBe('09:00');
  });

  it('an unsubscribe URL given in context replaces the Function URL (custom domain)', () => {
    expect(configFrom({ unsubscribeBaseUrl: 'https://optout.acme.fr' }).unsubscribeBaseUrl).toBe(
      'https://optout.acme.fr',
    );
  });

  it.each([
    ['retentionYears', '0', /retentionYears/],
    ['maxReadRequestUnits', 'lots', /maxReadRequestUnits/],
    ['logRetentionDays', '42', /logRetentionDays/],
    ['ingestWorkers', '0', /ingestWorkers/],
    ['ingestWorkers', '2.5', /ingestWorkers/],
  ])('-c %s=%s is refused, naming the field', (key, raw, message) => {
    expect(() => configFrom({ [key]: raw })).toThrow(message);
  });
});

describe('deploymentRegion: personal data stays in the EU (issue 19)', () => {
  const nodeWith = (context: Record<string, unknown>) => new App({ context }).node;
  it('nothing configured (the CDK CLI then says us-east-1 in CDK_DEFAULT_REGION): eu-west-3', () => {
    expect(deploymentRegion(nodeWith({}), { CDK_DEFAULT_REGION: 'us-east-1' })).toEqual({
      region: 'eu-west-3',
      chosenBy: 'default',
    });
  });
  it.each([
    [{ region: 'eu-central-1' }, {}, 'eu-central-1', 'context'],
    [{}, { AWS_REGION: 'eu-west-1' }, 'eu-west-1', 'environment'],
    [{}, { AWS_DEFAULT_REGION: 'eu-north-1' }, 'eu-north-1', 'environment'],
    [{ region: 'eu-west-3' }, { AWS_REGION: 'eu-west-1' }, 'eu-west-3', 'context'],
  ])('%j %j → %s', (context, env, region, chosenBy) => {
    expect(deploymentRegion(nodeWith(context), env)).toEqual({ region, chosenBy });
  });
  it.each([
    [{ region: 'us-east-1' }, {}],
    [{}, { AWS_REGION: 'eu-west-2' }],
    [{}, { AWS_REGION: 'eu-central-2' }],
  ])('outside the EU/EEA (%j %j): refused, naming the way out', (context, env) => {
    expect(() => deploymentRegion(nodeWith(context), env)).toThrow(/outside the EU\/EEA.*allowNonEuRegion=true/);
  });
  it('outside the EU/EEA with -c allowNonEuRegion=true: the operator means it', () => {
    expect(deploymentRegion(nodeWith({ region: 'us-east-1', allowNonEuRegion: 'true' }), {})).toEqual({
      region: 'us-east-1',
      chosenBy: 'context',
    });
  });
});
