/**
 * A one-line progress bar on stderr, drawn only on a terminal (a pipe or a
 * log file gets nothing) and at most every 100 ms. A command that prints
 * its results on stdout draws one only when stdout is not that terminal
 * (`beside`): the bar would tangle with the lines.
 */
import type { WriteStream } from 'node:tty';

export interface Progress {
  update(done: number): void;
  finish(done: number): void;
}

const NONE: Progress = { update: () => undefined, finish: () => undefined };

export function progressBar(label: string, total: number | null, stream: NodeJS.WriteStream = process.stderr, beside?: NodeJS.WriteStream): Progress {
  // a terminal that cannot move the cursor (TERM=dumb: Emacs shells, some CI logs) would show every redraw
  if (!stream.isTTY || beside?.isTTY === true || process.env.TERM === 'dumb') return NONE;
  const tty = stream as WriteStream;
  let last = 0;
  const started = Date.now();
  const draw = (done: number) => {
    const cols = Math.max(tty.columns || 80, 40);
    const secs = (Date.now() - started) / 1000;
    const rate = secs > 0 ? Math.round(done / secs) : 0;
    let line: string;
    if (total && total > 0) {
      const frac = Math.min(done / total, 1);
      const tail = ` ${Math.floor(frac * 100)}% ${done}/${total} ${rate}/s`;
      const barWidth = Math.max(cols - label.length - tail.length - 4, 10);
      const full = Math.round(frac * barWidth);
      line = `${label} [${'#'.repeat(full)}${'.'.repeat(barWidth - full)}]${tail}`;
    } else {
      line = `${label} ${done} ${rate}/s`;
    }
    tty.write(`\r${line.slice(0, cols - 1)}\x1b[K`);
  };
  return {
    update(done) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      draw(done);
    },
    finish(done) {
      draw(done);
      tty.write('\n');
    },
  };
}
