// s3rver ships no types; the local stack only uses its constructor, run(), close() and `event`.
declare module 's3rver' {
  const S3rver: new (options: Record<string, unknown>) => unknown;
  export default S3rver;
}
