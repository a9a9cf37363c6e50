/**
 * The links of README.md and docs/*.md lead somewhere: a relative link names
 * a file of the repository, and its `#anchor` a heading of that file (as
 * GitHub makes anchors: lower case, punctuation dropped, spaces as dashes),
 * and a repository path in a code span (`cookbook/…`, `src/…`) exists.
 * Each reference page links back to the README, and the README to each page.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../setup/cli.js';
import { docFiles, parseDoc } from '../setup/docs.js';

/** GitHub's anchor for a heading line. */
export function anchor(heading: string): string {
  return heading
    .replace(/^#+ /, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  return new Set(parseDoc(file).headings.map((h) => anchor(h.text)));
}

/** The links of a file outside its code blocks and code spans: [text](target). */
function linksOf(file: string): string[] {
  const d = parseDoc(file);
  const inBlock = new Set(d.blocks.flatMap((b) => Array.from({ length: b.end - b.index + 1 }, (_, i) => b.index + i)));
  const prose = d.lines.filter((_, i) => !inBlock.has(i)).join('\n').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}

describe('documentation links', () => {
  it.each(docFiles())('%s: every relative link names a file and a heading that exist', (file) => {
    const broken: string[] = [];
    for (const link of linksOf(file)) {
      if (/^(https?|mailto):/.test(link)) continue;
      const [target, hash] = link.split('#') as [string, string | undefined];
      const resolved = target === '' ? file : path.relative(ROOT, path.resolve(ROOT, path.dirname(file), target));
      if (!existsSync(path.join(ROOT, resolved))) {
        broken.push(`${link}: no file ${resolved}`);
        continue;
      }
      if (hash !== undefined && resolved.endsWith('.md') && !anchorsOf(resolved).has(hash)) broken.push(`${link}: no heading #${hash} in ${resolved}`);
    }
    expect(broken).toEqual([]);
  });

  it.each(docFiles())('%s: every repository path in a code span exists', (file) => {
    const d = parseDoc(file);
    const inBlock = new Set(d.blocks.flatMap((b) => Array.from({ length: b.end - b.index + 1 }, (_, i) => b.index + i)));
    const spans = d.lines.filter((_, i) => !inBlock.has(i)).join('\n').match(/`[^`\n]+`/g) ?? [];
    // `cookbook/35-quick-start/pay.lua`, `src/scripting/event-api.ts`; not `@types/node`
    const paths = spans.flatMap((span) => [...span.matchAll(/(?<![\w@./-])(?:bin|cookbook|scripts|src|test|types)\/[\w./-]*/g)].map((m) => m[0].replace(/\.$/, '')));
    expect(paths.filter((p) => !existsSync(path.join(ROOT, p)))).toEqual([]);
  });

  it('the README links every reference page, and each links back', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const page of docFiles().filter((f) => f.startsWith('docs/'))) {
      expect(readme, `README.md links ${page}`).toContain(`](${page}`);
      expect(linksOf(page), `${page} links back to the README`).toContain('../README.md');
    }
  });

  it('makes anchors as GitHub does', () => {
    expect(anchor('## Several processes: NATS JetStream')).toBe('several-processes-nats-jetstream');
    expect(anchor("### The events guide's scripts")).toBe('the-events-guides-scripts');
    expect(anchor('### Durable subscriptions and `--watch`')).toBe('durable-subscriptions-and---watch');
    expect(anchor('## What crosstalk does not do (FAQ)')).toBe('what-crosstalk-does-not-do-faq');
  });
});
