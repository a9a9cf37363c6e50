/**
 * Every cookbook recipe (cookbook/NN-name/) run as its README says: the one
 * ```sh command of "## Run", from a fresh copy of the folder, with `crosstalk`
 * the built CLI and `node` this node; its stdout, normalised as
 * cookbook/README.md "Normalisation" says, must equal expected.txt, which must
 * equal the README's "## Prints" block. Recipes run concurrently (each in its
 * own copy, with its own nats-server when it needs one).
 */
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../setup/cli.js';
import { startNatsServer, type NatsServer } from '../setup/nats.js';

const COOKBOOK = path.join(ROOT, 'cookbook');
const RECIPE_DIR = /^(\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * Issue #14 asks for at least 30 recipes; main has 40 (01–36, 40–43), so a
 * recipe folder deleted by mistake still fails this test.
 */
const MIN_RECIPES = 40;

interface RecipeConfig {
  compare: 'exact' | 'sorted';
  needs: ('nats' | 'chromium')[];
  timeout_ms: number;
  stdin?: string;
  env?: Record<string, string>;
  exit: number;
}

const CONFIG_KEYS = new Set(['compare', 'needs', 'timeout_ms', 'stdin', 'env', 'exit']);

function readConfig(dir: string): RecipeConfig {
  const file = path.join(dir, 'recipe.json');
  const raw = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  for (const key of Object.keys(raw)) if (!CONFIG_KEYS.has(key)) throw new Error(`${file}: unknown key "${key}" (known: ${[...CONFIG_KEYS].join(', ')})`);
  const config: RecipeConfig = { compare: 'exact', needs: [], timeout_ms: 20_000, exit: 0, ...(raw as Partial<RecipeConfig>) };
  if (config.compare !== 'exact' && config.compare !== 'sorted') throw new Error(`${file}: compare must be "exact" or "sorted", got ${JSON.stringify(config.compare)}`);
  for (const need of config.needs) if (need !== 'nats' && need !== 'chromium') throw new Error(`${file}: needs holds "nats" or "chromium", got ${JSON.stringify(need)}`);
  return config;
}

/** The body of the only fenced block of `lang` under the `## heading` of a README (undefined when the count is not one). */
function sectionBlock(readme: string, heading: string, lang: string): string | undefined {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) return undefined;
  const next = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, next < 0 ? undefined : next);
  const blocks = [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === lang);
  return blocks.length === 1 ? blocks[0]![2]! : undefined;
}

/** A measured figure: a line starting with "~ ", after the "[script] " that `crosstalk run` puts before each line when several scripts run. */
const MEASURED = /^(?:\[[^\]\n]+\] )?~ /;

/**
 * What the runner compares (cookbook/README.md "Normalisation"): UUIDs become
 * <uuid>, ISO-8601 timestamps <time>, lines starting with "~ " (measured
 * figures, also after a "[script] " prefix) are dropped; "sorted" recipes compare their lines sorted.
 */
function normalise(text: string, compare: 'exact' | 'sorted'): string {
  const lines = text
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g, '<time>')
    .split('\n')
    .filter((line) => !MEASURED.test(line));
  if (compare === 'sorted') {
    const last = lines.at(-1) === '' ? lines.pop() : undefined;
    lines.sort();
    if (last !== undefined) lines.push(last);
  }
  return lines.join('\n');
}

const recipes = readdirSync(COOKBOOK, { withFileTypes: true })
  .filter((d) => d.isDirectory() && /^\d/.test(d.name))
  .map((d) => d.name)
  .sort();

// `crosstalk` is the built CLI and `node` this node (with --no-node-snapshot, which hosting scripts needs on Node 20)
mkdirSync(path.join(ROOT, 'test-output'), { recursive: true });
const scratch = mkdtempSync(path.join(ROOT, 'test-output', 'cookbook-')); // inside the package: `import 'crosstalk'` resolves to it
const shims = path.join(scratch, 'bin');
mkdirSync(shims);
for (const [name, target] of [
  ['crosstalk', `"${process.execPath}" --no-node-snapshot "${BIN}"`],
  ['node', `"${process.execPath}" --no-node-snapshot`],
] as const) {
  writeFileSync(path.join(shims, name), `#!/bin/sh\nexec ${target} "$@"\n`);
  chmodSync(path.join(shims, name), 0o755);
}
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sh(command: string, cwd: string, config: RecipeConfig, env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd,
      env: { ...process.env, ...env, ...config.env, PATH: `${shims}:${process.env.PATH}`, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // its own process group, so a timeout kills what the command started too
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[runner] killed after ${config.timeout_ms} ms`;
      process.kill(-child.pid!, 'SIGKILL');
    }, config.timeout_ms);
    child.stdin.on('error', () => undefined);
    child.stdin.end(config.stdin ?? '');
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.concurrent('cookbook', () => {
  it('normalises ids, timestamps and measured lines, and sorts when asked', () => {
    const out = 'b 0f8fad5b-d9cb-469f-a165-70867728950e at 2026-12-06T00:18:19.123Z\n~ 1234 events/s\n[x.lua] ~ 5 ms\na\n';
    expect(normalise(out, 'exact')).toBe('b <uuid> at <time>\na\n');
    expect(normalise(out, 'sorted')).toBe('a\nb <uuid> at <time>\n');
  });

  it(`has at least ${MIN_RECIPES} recipe folders, each a folder cookbook/NN-name/ listed in cookbook/README.md (issue #14 asks for 30)`, () => {
    expect(recipes.length, `cookbook/ holds ${recipes.length} recipe folders: ${recipes.join(', ')}`).toBeGreaterThanOrEqual(MIN_RECIPES);
    const index = readFileSync(path.join(COOKBOOK, 'README.md'), 'utf8');
    for (const name of recipes) {
      expect(name, 'a recipe folder is NN-lower-case-words').toMatch(RECIPE_DIR);
      expect(index, `cookbook/README.md links ${name}/`).toContain(`(${name}/)`);
    }
    const numbers = recipes.map((n) => n.slice(0, 2));
    expect(new Set(numbers).size, `two recipes share a number: ${numbers.join(' ')}`).toBe(numbers.length);
  });

  describe.each(recipes)('%s', (name) => {
    const dir = path.join(COOKBOOK, name);
    const readme = existsSync(path.join(dir, 'README.md')) ? readFileSync(path.join(dir, 'README.md'), 'utf8') : '';
    const config = readConfig(dir);
    const command = sectionBlock(readme, 'Run', 'sh');
    const prints = sectionBlock(readme, 'Prints', 'text');
    const expected = existsSync(path.join(dir, 'expected.txt')) ? readFileSync(path.join(dir, 'expected.txt'), 'utf8') : undefined;

    it('has a README with a title, one command and the expected output', () => {
      expect(readme, 'the title is "# NN · Title"').toMatch(new RegExp(`^# ${name.slice(0, 2)} · \\S`));
      expect(command, '"## Run" has exactly one ```sh block').toBeDefined();
      expect(prints, '"## Prints" has exactly one ```text block').toBeDefined();
      expect(expected, 'expected.txt exists').toBeDefined();
      expect(prints, "the README's Prints block is expected.txt").toBe(expected);
    });

    it('runs and prints expected.txt', { timeout: config.timeout_ms + 20_000 }, async () => {
      expect(command).toBeDefined();
      expect(expected).toBeDefined();
      const copy = path.join(scratch, name);
      cpSync(dir, copy, { recursive: true });
      let nats: NatsServer | undefined;
      try {
        const env: Record<string, string> = {};
        if (config.needs.includes('nats')) {
          nats = await startNatsServer();
          env.NATS_URL = nats.url;
        }
        if (config.needs.includes('chromium')) env.CHROMIUM = '/usr/bin/chromium';
        const ran = await sh(command!, copy, config, env);
        const why = `${command!.trim()}\n--- stdout\n${ran.stdout}--- stderr\n${ran.stderr}`;
        expect(ran.code, why).toBe(config.exit);
        expect(normalise(ran.stdout, config.compare), why).toBe(normalise(expected!, config.compare));
      } finally {
        await nats?.stop();
        rmSync(copy, { recursive: true, force: true });
      }
    });
  });
});
