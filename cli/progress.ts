/**
 * Progress of a long command (issue 22): one line on the terminal, rewritten at most once
 * a second; nothing at all with `--json` or when stderr is not a terminal (piped, a file,
 * a CI log), so scripts read only the result.
 */
export interface Progress {
  /** shows this line (throttled; `force` shows it at once) */
  show(line: string, force?: boolean): void;
  /** ends the progress line, if one was shown */
  done(): void;
}

export function terminalProgress(json: boolean, everyMs = 1000, stream: NodeJS.WriteStream = process.stderr): Progress {
  const on = !json && stream.isTTY === true;
  let shownAt = 0;
  let shown = false;
  return {
    show(line, force = false) {
      if (!on) return;
      const now = Date.now();
      if (!force && now - shownAt < everyMs) return;
      shownAt = now;
      shown = true;
      stream.write(`\r${line}\u001b[K`);
    },
    done() {
      if (on && shown) stream.write('\n');
      shown = false;
    },
  };
}
