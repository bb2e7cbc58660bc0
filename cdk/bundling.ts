/**
 * How every function is bundled: one definition for CDK (NodejsFunction's `bundling`),
 * the bundle bench (bench/functions.bench.ts) and the infra test that keeps each bundle
 * under its size limit (test/infra/bundles.test.ts) — so the sizes they see are the ones
 * deployed.
 *
 * The AWS SDK is bundled, not left to the runtime's copy (issue 19): one minified,
 * tree-shaken file initialises in half the time of the same clients resolved file by
 * file from node_modules (measured: bench/README.md), which is the AWS SDK team's and
 * middy's advice too; and the SDK version deployed is the one the tests ran.
 */
import type { BuildOptions, Metafile } from 'esbuild';

/**
 * The credential providers Lambda never reaches: it puts the role's credentials in the
 * environment, which the default chain reads first (credential-provider-env, bundled);
 * the others are imported on demand only (`await import()`), so they are left out of
 * the bundle, to the runtime's own SDK, should one ever be needed.
 */
const UNUSED_ON_LAMBDA = [
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
  '@smithy/credential-provider-imds',
];

/** esbuild's options as NodejsFunction passes them (its `bundling`, in esbuild's words). */
export const FUNCTION_BUNDLING = {
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  // Stack traces point at our sources; the sources themselves stay out of the map
  // (a third of its size, and Node reads the map as the module loads).
  sourceMap: true,
  sourcesContent: false,
  externalModules: UNUSED_ON_LAMBDA,
  // CommonJS dependencies bundled into an ES module still call require().
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
} as const;

/** Every function's NODE_OPTIONS: stack traces through the source map. */
export const FUNCTION_NODE_OPTIONS = '--enable-source-maps';

/** The same bundle, built by esbuild directly (bench, tests), with its source map beside it. */
export function esbuildOptionsOf(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: FUNCTION_BUNDLING.format,
    target: FUNCTION_BUNDLING.target,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    minify: FUNCTION_BUNDLING.minify,
    sourcemap: FUNCTION_BUNDLING.sourceMap,
    sourcesContent: FUNCTION_BUNDLING.sourcesContent,
    external: [...FUNCTION_BUNDLING.externalModules],
    banner: { js: FUNCTION_BUNDLING.banner },
    metafile: true,
    logLevel: 'warning',
  };
}

/** Issue 19: no function's bundle, SDK included, goes over this (KB of JavaScript, without its source map). */
export const BUNDLE_LIMIT_KB = 1000;

/**
 * Issue 19: what a function brings besides the AWS SDK (our code and its other
 * libraries) stays under this. The ingestion's planner and range workers carry the CSV
 * reader, the rules and libphonenumber's full metadata (mobile or landline): 800 KB;
 * every other function 500 KB.
 */
export function ownCodeLimitKb(name: string): number {
  return name === 'ingest-list' || name === 'ingest-range' ? 800 : 500;
}

/** A function's bundle as deployed: its size, its part outside the SDK, and the SDK packages it uses. */
export interface FunctionBundle {
  name: string;
  path: string;
  bytes: number;
  /** bytes of our code and its non-SDK libraries (the rest is the AWS SDK) */
  ownBytes: number;
  /** SDK packages our code imports that load as the module initialises */
  sdkPackages: string[];
  /** SDK packages our code imports on first use only (`import()`): a client only some invocations need */
  lazySdkPackages: string[];
}

const SDK_FILE = /node_modules\/(@aws-sdk|@smithy|@aws-crypto|@aws)\//;
const SDK_PACKAGE = /node_modules\/(@aws-sdk\/[^/]+)\//;

/**
 * Walks the bundle's module graph from the entry: the bytes reached without entering
 * the SDK, and the SDK packages imported from outside it — statically reachable ones
 * load at initialisation, the others only through an `import()`.
 */
function partsOf(metafile: Metafile, output: Metafile['outputs'][string]) {
  const entry = output.entryPoint ?? '';
  const own = new Set<string>();
  const eager = new Set<string>();
  const all = new Set<string>();
  const walk = (file: string, staticOnly: boolean, seen: Set<string>) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of metafile.inputs[file]?.imports ?? []) {
      if (!metafile.inputs[i.path]) continue; // external (node:*, the unused providers)
      const lazy = i.kind === 'dynamic-import';
      if (staticOnly && lazy) continue;
      const sdk = SDK_PACKAGE.exec(i.path)?.[1];
      if (SDK_FILE.test(i.path)) {
        if (sdk) (staticOnly ? eager : all).add(sdk);
        continue;
      }
      if (!staticOnly) own.add(i.path);
      walk(i.path, staticOnly, seen);
    }
  };
  walk(entry, true, new Set());
  walk(entry, false, new Set());
  own.add(entry);
  const ownBytes = [...own].reduce((n, f) => n + (output.inputs[f]?.bytesInOutput ?? 0), 0);
  return { ownBytes, sdkPackages: [...eager].sort(), lazySdkPackages: [...all].filter((p) => !eager.has(p)).sort() };
}

/** Bundles `functions/<name>/handler.ts` into `outDir/<name>.mjs` (and its .map), as CDK does. */
export async function bundleFunction(repoRoot: string, name: string, outDir: string): Promise<FunctionBundle> {
  const { build } = await import('esbuild');
  const path = `${outDir}/${name}.mjs`;
  const result = await build(esbuildOptionsOf(`${repoRoot}/functions/${name}/handler.ts`, path));
  const metafile = result.metafile as Metafile;
  const output = Object.entries(metafile.outputs).find(([file]) => file.endsWith('.mjs'))?.[1];
  if (!output) throw new Error(`${name}: esbuild wrote no bundle`);
  return { name, path, bytes: output.bytes, ...partsOf(metafile, output) };
}
