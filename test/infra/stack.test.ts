import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { contactsTable, tables } from '#shared/resources';
import { ProspectHygieneStack } from '../../cdk/stack.ts';

describe('CDK stack: storage from the shared definitions', () => {
  let template: Template;
  beforeAll(() => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    template = Template.fromStack(new ProspectHygieneStack(app, 'Test'));
  });

  it('creates every shared table, with PITR and deletion protection', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', tables.length);
    template.allResourcesProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
  });

  it('contacts: TTL attribute, stream with old images, the expiry index', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: contactsTable.partitionKey.name, KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      GlobalSecondaryIndexes: Match.arrayWith([Match.objectLike({ IndexName: 'byExpiry' })]),
    });
  });

  it('bucket: public access blocked, versioned, 30-day lifecycle on incoming/ and reports/', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    const main = Object.values(buckets).find((b) => b.Properties?.LifecycleConfiguration);
    expect(main?.Properties.PublicAccessBlockConfiguration).toMatchObject({
      BlockPublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(main?.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const rules = main?.Properties.LifecycleConfiguration.Rules as { Prefix: string; ExpirationInDays: number }[];
    expect(rules.map((r) => [r.Prefix, r.ExpirationInDays])).toEqual(
      expect.arrayContaining([
        ['incoming/', 30],
        ['reports/', 30],
      ]),
    );
  });
});
