/**
 * The TypeScript examples of the README's NATS section run as written,
 * against a real server: `crosstalk` is this package's source and the
 * server's address is the test server's.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServer } from '../setup/nats.js';

const ROOT = path.resolve(__dirname, '../..');
const FENCE = '`'.repeat(3);

/** The ts blocks of the README section that starts with `heading`. */
function blocks(heading: string): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n${heading}\n`);
  const end = readme.indexOf('\n## ', start + heading.length + 2);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const re = new RegExp(`${FENCE}ts\\n([\\s\\S]*?)${FENCE}`, 'g');
  return [...section.matchAll(re)].map((m) => m[1]!);
}

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
  const examples = blocks('## Several processes: NATS JetStream');

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
