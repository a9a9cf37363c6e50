/**
 * docs/persistence.md: the retention, filter expression, JetStream and masking
 * subsections, run as written: `ts` blocks as ES modules importing
 * 'crosstalk' (the package itself), in a scratch directory inside the
 * package, against a real nats-server where they name one; `sh` lines
 * through the real CLI or node; a `text` block after a `sh` block is its
 * exact output; `console.log(x); // value` lines promise what they print.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { transformSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cookbookScratch } from '../setup/cli.js';
import { docSection } from '../setup/docs.js';
import { startNatsServer, type NatsServer } from '../setup/nats.js';

const SUBSECTIONS = [
  docSection('### Retention and compaction'),
  docSection('### Filter expressions'),
  docSection('### Query, replay and catch-up on JetStream'),
  docSection('### Masking'),
].map((s) => ({ heading: s.heading, blocks: s.blocks.filter((b) => b.lang !== 'text') }));

const { dir, node, remove } = cookbookScratch('readme-store-');
let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.stop();
  remove();
});

describe.each(SUBSECTIONS)('docs: $heading', ({ heading, blocks }) => {
  it('has a runnable example and a cookbook command', () => {
    expect(blocks.some((b) => b.lang === 'ts')).toBe(true);
    expect(blocks.every((b) => b.lang === 'ts' || b.lang === 'sh')).toBe(true);
  });

  const ts = blocks.filter((b) => b.lang === 'ts');
  it.each(ts.map((b, i) => [i, b.code] as const))('TypeScript example %i runs and prints what its comments say', async (i, code) => {
    const source = code.replaceAll('nats://127.0.0.1:4222', server.url);
    const file = path.join(dir, `${heading.replace(/\W+/g, '-')}-${i}.mjs`);
    writeFileSync(file, transformSync(source, { loader: 'ts', format: 'esm' }).code);
    const r = await node([file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const promised = [...code.matchAll(/console\.log\(.*\);\s*\/\/ (.+)$/gm)].map((m) => m[1]!.trim());
    expect(r.stdout.trim().split('\n')).toEqual(promised);
  });

  const sh = blocks.filter((b) => b.lang === 'sh');
  it.each(sh.map((b, i) => [i, b] as const))('shell block %i prints what the README shows', async (_i, b) => {
    let out = '';
    for (const line of b.code.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'))) {
      const words = line.replace(/\s+#.*$/, '').trim().split(/\s+/).map((w) => w.replaceAll('nats://127.0.0.1:4222', server.url));
      const r = words[0] === 'npx' && words[1] === 'crosstalk' ? await node([BIN, ...words.slice(2)]) : words[0] === 'node' ? await node(words.slice(1)) : null;
      expect(r, `cannot run: ${line}`).not.toBeNull();
      expect(r!.code, `${line}\n${r!.stderr}`).toBe(0);
      out += r!.stdout;
    }
    if (b.output !== null) expect(out).toBe(b.output);
  });
});
