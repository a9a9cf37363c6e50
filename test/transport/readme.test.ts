/**
 * The TypeScript examples of docs/nats.md (the NATS section) run as written,
 * against a real server: `crosstalk` is this package's source and the
 * server's address is the test server's.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../setup/cli.js';
import { docSection } from '../setup/docs.js';
import { startNatsServer, type NatsServer } from '../setup/nats.js';

let server: NatsServer;
let dir: string;

beforeAll(async () => {
  server = await startNatsServer();
  dir = mkdtempSync(path.join(tmpdir(), 'crosstalk-readme-'));
});

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('README: Several processes: NATS JetStream', () => {
  const examples = docSection('## Several processes: NATS JetStream', { only: ['ts'] })
    .blocks.filter((b) => b.lang === 'ts')
    .map((b) => b.code);

  it('has TypeScript examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples.map((code, i) => [i + 1, code] as const))('example %i runs', async (i, code) => {
    const source = code
      .replaceAll("from 'crosstalk'", `from ${JSON.stringify(path.join(ROOT, 'src/index.ts'))}`)
      .replaceAll('nats://127.0.0.1:4222', server.url);
    const file = path.join(dir, `example-${i}.ts`);
    writeFileSync(file, `${source}\nexport {};\n`);
    await import(pathToFileURL(file).href);
  });
});
