/**
 * The deployed fan-out of ingestion, without AWS: what ingest-list starts (StartExecution,
 * the SDK client stubbed), and what the synthesized state machine then hands each
 * function (its JSONPaths applied to the execution's input), through the handlers.
 * The flows behind the handlers are stubbed: their own tests are elsewhere.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Context } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { finishIngestion } from '#shared/flows/ingest-finish';
import { ingestListOnce, type RangeRunner } from '#shared/flows/ingest-once';
import type { PlannedIngestion } from '#shared/flows/ingest-plan';
import { ingestRange } from '#shared/flows/ingest-range';
import { executionName, startIngestExecution } from '#shared/ingest-execution';
import { logger } from '#shared/powertools';
import { sfnClient } from '#store/client-sfn';
import { ProspectHygieneStack } from '../../cdk/stack.ts';
import { finishPlannedIngestion } from '../../functions/ingest-finish/handler.ts';
import { handler as ingestListHandler } from '../../functions/ingest-list/handler.ts';
import { ingestPlannedRange } from '../../functions/ingest-range/handler.ts';

vi.mock('#shared/flows/ingest-once', () => ({ ingestListOnce: vi.fn() }));
vi.mock('#shared/flows/ingest-range', () => ({
  ingestRange: vi.fn(async (_planKey: string, range: number) => ({ range, rows: 10, accepted: 9, contactsWritten: 9 })),
}));
vi.mock('#shared/flows/ingest-finish', () => ({
  finishIngestion: vi.fn(async () => ({
    listId: 'salon-2026',
    status: 'accepted',
    reasons: [],
    rows: { total: 30, accepted: 27, rejected: 3 },
    byReason: {},
    contactsWritten: 27,
    reportKey: 'reports/salon-2026/report.json',
  })),
}));

// biome-ignore lint/suspicious/noExplicitAny: Amazon States Language and state data are untyped JSON
type Json = any;

const stateMachineArn = 'arn:aws:states:eu-west-3:123456789012:stateMachine:ingestion';
const plan: PlannedIngestion = {
  listId: 'salon-2026',
  status: 'accepted',
  reasons: [],
  planKey: 'reports/salon-2026/parts/0123456789abcdef/plan.json',
  ranges: 3,
  run: '0123456789abcdef',
};
const context = {
  functionName: 'ingest-list',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-3:123456789012:function:ingest-list',
  memoryLimitInMB: '1769',
  awsRequestId: 'request-1',
  logGroupName: '/aws/lambda/ingest-list',
  logStreamName: 'test',
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => 900_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} satisfies Context;

let definition: Json;

/** A JSONPath of the definition: `$.a.b` on the state's input, `$$.…` on the context object. */
function select(path: string, state: Json, contextObject: Json): Json {
  const [root, ...fields] = path.split('.');
  let value = root === '$$' ? contextObject : root === '$' ? state : undefined;
  for (const field of fields) value = value?.[field];
  return value;
}

/** `Parameters` or `ItemSelector`: a `key.$` takes its path's value, any other key is literal. */
function applyParameters(parameters: Record<string, Json>, state: Json, contextObject: Json = {}): Json {
  return Object.fromEntries(
    Object.entries(parameters).map(([key, value]) =>
      key.endsWith('.$') ? [key.slice(0, -2), select(value, state, contextObject)] : [key, value],
    ),
  );
}

/** The input StartExecution was called with, and the execution's name. */
function startedExecutions(send: {
  mock: { calls: Json[][] };
}): { stateMachineArn: string; name: string; input: Json }[] {
  return send.mock.calls.map(([command]: Json[]) => ({
    name: command.input.name,
    input: JSON.parse(command.input.input),
    stateMachineArn: command.input.stateMachineArn,
  }));
}

beforeAll(() => {
  // the handlers' log lines are asserted nowhere here
  logger.setLogLevel('SILENT');
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'hygiene-fan-out-')),
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new ProspectHygieneStack(app, 'FanOut', { env: { region: 'eu-west-3' } });
  const machine = Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine');
  const [body] = Object.values(machine).map((r) => r.Properties.DefinitionString);
  const parts = body['Fn::Join'][1] as (string | object)[];
  definition = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : '<function>')).join(''));
}, 60_000);

afterEach(() => {
  vi.restoreAllMocks();
  vi.mocked(ingestRange).mockClear();
  vi.mocked(finishIngestion).mockClear();
  vi.mocked(ingestListOnce).mockReset();
});

describe('ingest-list → StartExecution', () => {
  it('an accepted plan starts <listId>-<run> with { planKey, ranges: [0 … ranges − 1] }', async () => {
    const send = vi.spyOn(sfnClient(), 'send').mockResolvedValue({ executionArn: 'arn:…' } as never);
    const started = await startIngestExecution(plan, stateMachineArn);
    expect(startedExecutions(send)).toEqual([
      {
        stateMachineArn,
        name: 'salon-2026-0123456789abcdef',
        input: { planKey: plan.planKey, ranges: [0, 1, 2] },
      },
    ]);
    expect(started).toEqual({ listId: 'salon-2026', status: 'accepted', execution: 'salon-2026-0123456789abcdef' });
  });

  it('started already (ExecutionAlreadyExists for that name): a success, nothing started twice', async () => {
    const exists = Object.assign(new Error('Execution Already Exists'), { name: 'ExecutionAlreadyExists' });
    const send = vi.spyOn(sfnClient(), 'send').mockRejectedValue(exists as never);
    await expect(startIngestExecution(plan, stateMachineArn)).resolves.toMatchObject({ status: 'accepted' });
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('any other error fails the record (the message is retried, the idempotency record cleared)', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    vi.spyOn(sfnClient(), 'send').mockRejectedValue(throttled as never);
    await expect(startIngestExecution(plan, stateMachineArn)).rejects.toThrow('Rate exceeded');
  });

  it('a refused list starts nothing (its report is written already)', async () => {
    const send = vi.spyOn(sfnClient(), 'send');
    const refused: PlannedIngestion = { ...plan, status: 'rejected', reasons: ['PROV_UNDOCUMENTED'], ranges: 0 };
    delete refused.planKey;
    await expect(startIngestExecution(refused, stateMachineArn)).resolves.toEqual({
      listId: 'salon-2026',
      status: 'rejected',
    });
    expect(send).not.toHaveBeenCalled();
  });

  it('execution names: at most 80 characters, only those Step Functions accepts', () => {
    const longest = executionName('a'.repeat(64), '0123456789abcdef');
    expect(longest).toHaveLength(80);
    expect(longest).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(executionName('salon 2026/été', 'ff')).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('the SQS handler hands ingestListOnce the manifest key and a runner that starts the execution', async () => {
    const send = vi.spyOn(sfnClient(), 'send').mockResolvedValue({ executionArn: 'arn:…' } as never);
    process.env.INGEST_STATE_MACHINE_ARN = stateMachineArn;
    vi.mocked(ingestListOnce).mockImplementation(async (_key, _settings, _now, runRanges: RangeRunner) =>
      runRanges(plan),
    );
    const notification = {
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'lists' }, object: { key: 'incoming/salon-2026/manifest.json' } },
        },
      ],
    };
    const event = {
      Records: [{ messageId: 'm1', eventSource: 'aws:sqs', body: JSON.stringify(notification) }],
    };
    const response = await ingestListHandler(event, context);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(vi.mocked(ingestListOnce).mock.calls[0]?.[0]).toBe('incoming/salon-2026/manifest.json');
    expect(startedExecutions(send).map((s) => s.name)).toEqual(['salon-2026-0123456789abcdef']);
    delete process.env.INGEST_STATE_MACHINE_ARN;
  });
});

describe('the state machine → ingest-range and ingest-finish (the definition applied to an execution input)', () => {
  const input = { planKey: plan.planKey, ranges: [0, 1, 2] };
  const map = () => definition.States[definition.StartAt];

  it('each item of the Map gives ingest-range a { planKey, range } it accepts', async () => {
    const items: number[] = select(map().ItemsPath, input, {});
    for (const [index, item] of items.entries()) {
      const payload = applyParameters(map().ItemSelector, input, { Map: { Item: { Value: item, Index: index } } });
      expect(payload).toEqual({ planKey: plan.planKey, range: item });
      await expect(ingestPlannedRange(payload)).resolves.toMatchObject({ range: item });
    }
    expect(vi.mocked(ingestRange).mock.calls.map(([key, range]) => [key, range])).toEqual([
      [plan.planKey, 0],
      [plan.planKey, 1],
      [plan.planKey, 2],
    ]);
  });

  it("all ranges ingested: ingest-finish gets { planKey } from the Map's output (its input: the result is discarded)", async () => {
    const mapOutput = map().ResultPath === null ? input : undefined;
    const finish = definition.States[map().Next];
    const payload = applyParameters(finish.Parameters, mapOutput);
    expect(payload).toEqual({ planKey: plan.planKey });
    await finishPlannedIngestion(payload);
    expect(vi.mocked(finishIngestion).mock.calls).toEqual([[plan.planKey, undefined]]);
  });

  it("a range failed for good: ingest-finish gets the Catch's Error and Cause as the flow's { error, cause }", async () => {
    const [catcher] = map().Catch;
    const failure = {
      Error: 'States.ExceedToleratedFailureThreshold',
      Cause: 'The tolerated failure threshold was exceeded',
    };
    const caught = { ...input, [catcher.ResultPath.slice(2)]: failure };
    const markFailed = definition.States[catcher.Next];
    const payload = applyParameters(markFailed.Parameters, caught);
    expect(payload).toEqual({ planKey: plan.planKey, failure });
    await finishPlannedIngestion(payload);
    expect(vi.mocked(finishIngestion).mock.calls).toEqual([
      [plan.planKey, { error: failure.Error, cause: failure.Cause }],
    ]);
    // the list is marked failed, and the execution still ends FAILED, with the range's error
    const fail = definition.States[markFailed.Next];
    expect(fail.Type).toBe('Fail');
    expect(select(fail.ErrorPath, caught, {})).toBe(failure.Error);
  });

  it('a task that is not the contract is refused, naming the field (no value echoed)', async () => {
    await expect(ingestPlannedRange({ planKey: plan.planKey, range: -1 })).rejects.toThrow(
      /range task : range : Trop petit/,
    );
    await expect(ingestPlannedRange({ planKey: 'incoming/salon-2026/contacts.csv', range: 0 })).rejects.toThrow(
      /range task : planKey : Chaîne de caractères invalide : doit commencer par "reports\/"/,
    );
    await expect(finishPlannedIngestion({})).rejects.toThrow(
      /finish task : planKey : Entrée invalide : chaîne de caractères attendu/,
    );
    expect(ingestRange).not.toHaveBeenCalled();
    expect(finishIngestion).not.toHaveBeenCalled();
  });
});
