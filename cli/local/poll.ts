/**
 * Runs `poll` every `intervalMs` until stopped. Polls never overlap: an explicit `poll()`
 * (the demo waiting for events) queues behind a running one, so a stream iterator or an
 * outbox is never read twice at once.
 */
export function pollEvery(
  poll: () => Promise<void>,
  intervalMs: number,
): { stop: () => void; poll: () => Promise<void> } {
  let chain: Promise<void> = Promise.resolve();
  const serial = () => {
    chain = chain.then(poll, poll);
    return chain;
  };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    await serial();
    if (!stopped) timer = setTimeout(loop, intervalMs);
  };
  void loop();
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    poll: serial,
  };
}
