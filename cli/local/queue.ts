/**
 * An in-process stand-in for an SQS queue with a dead-letter queue, for the local stack:
 * messages are delivered one batch at a time to the same handler as in AWS; a failed
 * message is redelivered after a delay, and after `maxReceives` it is parked in the DLQ
 * (kept in memory and counted), as the AWS wiring does.
 */
export interface LocalMessage {
  messageId: string;
  body: string;
  receiveCount: number;
}

export class LocalQueue {
  readonly deadLetters: LocalMessage[] = [];
  private readonly waiting: LocalMessage[] = [];
  private running = false;
  private idleWaiters: (() => void)[] = [];
  private seq = 0;
  private inFlight = 0;

  constructor(
    readonly name: string,
    private readonly consume: (messages: LocalMessage[]) => Promise<string[]>,
    private readonly options: {
      batchSize?: number;
      maxReceives?: number;
      retryDelayMs?: number;
      onDeadLetter?: (m: LocalMessage) => void;
    } = {},
  ) {}

  send(body: unknown): void {
    this.waiting.push({
      messageId: `${this.name}-${++this.seq}`,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      receiveCount: 0,
    });
    void this.pump();
  }

  /** Resolves when nothing is waiting or being processed (tests, the demo). */
  idle(): Promise<void> {
    if (!this.running && !this.waiting.length && !this.inFlight) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.waiting.length) {
        const batch = this.waiting.splice(0, this.options.batchSize ?? 10);
        for (const m of batch) m.receiveCount++;
        let failedIds: string[];
        try {
          failedIds = await this.consume(batch);
        } catch {
          failedIds = batch.map((m) => m.messageId);
        }
        for (const m of batch.filter((x) => failedIds.includes(x.messageId))) {
          if (m.receiveCount >= (this.options.maxReceives ?? 3)) {
            this.deadLetters.push(m);
            this.options.onDeadLetter?.(m);
          } else {
            this.inFlight++;
            setTimeout(() => {
              this.inFlight--;
              this.waiting.push(m);
              void this.pump();
            }, this.options.retryDelayMs ?? 500);
          }
        }
      }
    } finally {
      this.running = false;
      if (!this.waiting.length && !this.inFlight) for (const w of this.idleWaiters.splice(0)) w();
    }
  }
}
