/**
 * A fault-injecting HTTP proxy between the SDK and DynamoDB Local (issue 20): each request
 * is shown to a rule, which lets it through or makes it fail as DynamoDB or the network
 * can — a throttle, a 500, a dropped connection before the write, or an answer lost
 * AFTER the write happened (the request is forwarded, its answer thrown away).
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** `refuse`: a 400 the SDK does not retry (the store failing for good) */
export type Fault = 'pass' | 'throttle' | 'error500' | 'drop' | 'lose-answer' | 'refuse';

export interface ProxiedRequest {
  /** `PutItem`, `UpdateItem`, `TransactWriteItems`… (from X-Amz-Target) */
  operation: string;
  /** the JSON body as the SDK sent it */
  body: Record<string, unknown>;
  text: string;
}

export interface FaultProxy {
  endpoint: string;
  /** decides each request's fate (default: pass) */
  rule: (request: ProxiedRequest) => Fault;
  /** every fault injected, by kind */
  injected: Record<Fault, number>;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const proxy: FaultProxy = {
    endpoint: '',
    rule: () => 'pass',
    injected: { pass: 0, throttle: 0, error500: 0, drop: 0, 'lose-answer': 0, refuse: 0 },
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const operation =
        String(req.headers['x-amz-target'] ?? '')
          .split('.')
          .pop() ?? '';
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // not JSON: passed through
      }
      const fault = proxy.rule({ operation, body, text });
      proxy.injected[fault]++;
      if (fault === 'throttle') {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({
            __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
            message: 'Rate of requests exceeds the allowed throughput.',
          }),
        );
        return;
      }
      if (fault === 'refuse') {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ValidationException', message: 'injected' }),
        );
        return;
      }
      if (fault === 'error500') {
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'com.amazon.coral.service#InternalFailure', message: 'injected' }));
        return;
      }
      if (fault === 'drop') {
        req.socket.destroy();
        return;
      }
      const forward = httpRequest(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            // the write happened; its answer never reaches the caller
            if (fault === 'lose-answer') {
              req.socket.destroy();
              return;
            }
            res.writeHead(answer.statusCode ?? 500, answer.headers);
            res.end(Buffer.concat(parts));
          });
        },
      );
      forward.on('error', () => req.socket.destroy());
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
