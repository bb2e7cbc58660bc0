/**
 * Keeping under the provider's sending quota: a token bucket per process (one Lambda
 * instance, or the CLI), and retries with exponential backoff and full jitter when the
 * provider throttles anyway (another instance used the quota, or the quota shrank).
 *
 * The bucket is per instance: with N concurrent senders the account sees up to N times
 * `sendingRatePerSecond`. The CDK stack caps the sender's concurrency for that reason;
 * the quota split is the operator's choice (settings.sendingRatePerSecond per instance).
 */

export type Sleep = (ms: number) => Promise<void>;
export const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `ratePerSecond` tokens a second, bursts up to `burst` (default: one second's worth). */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly capacity: number;
  private readonly clock: () => number;
  private readonly wait: Sleep;
  /** a chain of waiters, so concurrent takers are served in order */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ratePerSecond: number,
    options: { burst?: number; clock?: () => number; sleep?: Sleep } = {},
  ) {
    if (!(ratePerSecond > 0)) throw new Error('TokenBucket: the rate must be positive');
    this.capacity = Math.max(1, options.burst ?? Math.ceil(ratePerSecond));
    this.clock = options.clock ?? Date.now;
    this.wait = options.sleep ?? sleep;
    this.tokens = this.capacity;
    this.last = this.clock();
  }

  private refill(): void {
    const now = this.clock();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
  }

  /** Resolves when one message may go out. */
  take(): Promise<void> {
    const turn = this.queue.then(async () => {
      this.refill();
      while (this.tokens < 1) {
        await this.wait(Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000));
        this.refill();
      }
      this.tokens -= 1;
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }
}

/**
 * SES answers these when we send faster than the account allows: the message was not
 * taken, so trying again later cannot send it twice.
 */
export const THROTTLING_ERRORS = new Set(['TooManyRequestsException', 'ThrottlingException', 'LimitExceededException']);

export const isThrottling = (error: unknown): boolean =>
  THROTTLING_ERRORS.has((error as { name?: string })?.name ?? '');

/** Still throttled after every retry: the caller gives the claim back and lets SQS redeliver. */
export class StillThrottled extends Error {
  override readonly name = 'StillThrottled';
}

/**
 * Calls `attempt`; on a throttling error waits `random(0, min(cap, base·2^n))` ms and tries
 * again, up to `maxAttempts`. Any other error is thrown at once.
 */
export async function retryThrottled<T>(
  attempt: () => Promise<T>,
  options: { maxAttempts?: number; baseMs?: number; capMs?: number; sleep?: Sleep; random?: () => number } = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 6;
  const baseMs = options.baseMs ?? 100;
  const capMs = options.capMs ?? 5000;
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isThrottling(error)) throw error;
      if (n + 1 >= maxAttempts) throw new StillThrottled(`still throttled after ${maxAttempts} attempts`);
      await wait(random() * Math.min(capMs, baseMs * 2 ** n));
    }
  }
}
