/**
 * The documentation's code blocks, found by section heading. README.md is
 * the guide and docs/*.md the reference; a test names a section by its
 * heading line (`'## Coordination'`, `'### Masking'`) and gets its blocks
 * wherever the section lives, so a section can move between the two without
 * its tests changing. A heading must be unique across all of them.
 *
 * test/docs/coverage.test.ts reads every `docSection('…')` call of the tests
 * to check that each `lua`/`js`/`ts`/`sh` block of the documentation is run
 * by one: so name the heading literally, and pass `only` when a test runs
 * some languages of a section and not the others.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** The languages a test must run; every other block (`text`, `json`) is shown output, grammar or data. */
export const RUNNABLE = ['lua', 'js', 'ts', 'sh'] as const;
export type Runnable = (typeof RUNNABLE)[number];

export interface DocBlock {
  lang: string;
  /** the block's lines, each ending in a newline */
  code: string;
  /** the prose between the previous block of the section (or its heading) and this one */
  before: string;
  /** the `text` block right after this one, with only blank lines between (what it prints), or null */
  output: string | null;
  /** the file, relative to the project root */
  file: string;
  /** the line of the opening fence, from 1 */
  line: number;
}

export interface DocSection {
  file: string;
  heading: string;
  /** the heading's line, from 1 */
  line: number;
  /** the section's text, heading included */
  text: string;
  blocks: DocBlock[];
}

export interface SectionOptions {
  /** the languages the test runs (default: all); other runnable blocks are left out */
  only?: readonly Runnable[];
  /** only the part before the section's first subheading */
  intro?: boolean;
}

interface Heading {
  level: number;
  text: string;
  /** index into the file's lines */
  index: number;
}

interface ParsedDoc {
  file: string;
  lines: string[];
  headings: Heading[];
  /** every fenced block, in order; `index` is the opening fence's line index, `end` the closing one's */
  blocks: { lang: string; index: number; end: number }[];
}

/** README.md and docs/*.md, relative to the project root. */
export function docFiles(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs'), { withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.md'))
    .map((d) => `docs/${d.name}`)
    .sort();
  return ['README.md', ...docs];
}

const parsed = new Map<string, ParsedDoc>();

/** Headings and fenced blocks of one file; a `#` line inside a block is not a heading. */
export function parseDoc(file: string, source = readFileSync(path.join(ROOT, file), 'utf8')): ParsedDoc {
  const lines = source.split('\n');
  const headings: Heading[] = [];
  const blocks: ParsedDoc['blocks'] = [];
  let open: { lang: string; index: number } | null = null;
  lines.forEach((l, index) => {
    if (l.startsWith('```')) {
      if (open === null) open = { lang: l.slice(3).trim(), index };
      else {
        blocks.push({ ...open, end: index });
        open = null;
      }
      return;
    }
    const h = open === null ? /^(#{1,6}) \S/.exec(l) : null;
    if (h) headings.push({ level: h[1]!.length, text: l, index });
  });
  if (open !== null) throw new Error(`${file}: the block opened on line ${(open as { index: number }).index + 1} is never closed`);
  return { file, lines, headings, blocks };
}

function doc(file: string): ParsedDoc {
  let d = parsed.get(file);
  if (!d) parsed.set(file, (d = parseDoc(file)));
  return d;
}

/** The section of `d` under heading `h`, as line indexes [from, to). */
function range(d: ParsedDoc, h: Heading, intro: boolean): [number, number] {
  const next = d.headings.find((o) => o.index > h.index && (intro || o.level <= h.level));
  return [h.index, next?.index ?? d.lines.length];
}

/** Finds `heading` (the whole heading line) in README.md or docs/*.md; it must be there exactly once. */
function find(heading: string): { d: ParsedDoc; h: Heading } {
  const hits = docFiles().flatMap((file) => {
    const d = doc(file);
    return d.headings.filter((h) => h.text === heading).map((h) => ({ d, h }));
  });
  if (hits.length === 0) throw new Error(`no section "${heading}" in README.md or docs/*.md`);
  if (hits.length > 1) throw new Error(`"${heading}" heads ${hits.length} sections (${hits.map((x) => `${x.d.file}:${x.h.index + 1}`).join(', ')}); a test cannot tell them apart`);
  return hits[0]!;
}

/** The blocks of a section, in order, with the prose before each and the `text` block after it. */
export function docSection(heading: string, { only, intro = false }: SectionOptions = {}): DocSection {
  const { d, h } = find(heading);
  const [from, to] = range(d, h, intro);
  const inside = d.blocks.filter((b) => b.index > from && b.end < to);
  const all: DocBlock[] = inside.map((b, i) => {
    const prev = i === 0 ? from : inside[i - 1]!.end;
    const next = inside[i + 1];
    return {
      lang: b.lang,
      code: d.lines.slice(b.index + 1, b.end).map((l) => `${l}\n`).join(''),
      before: d.lines.slice(prev + 1, b.index).join('\n'),
      output: next?.lang === 'text' && d.lines.slice(b.end + 1, next.index).every((l) => l.trim() === '') ? d.lines.slice(next.index + 1, next.end).map((l) => `${l}\n`).join('') : null,
      file: d.file,
      line: b.index + 1,
    };
  });
  const blocks = only ? all.filter((b) => !(RUNNABLE as readonly string[]).includes(b.lang) || (only as readonly string[]).includes(b.lang)) : all;
  return { file: d.file, heading, line: h.index + 1, text: d.lines.slice(from, to).join('\n'), blocks };
}

/** Every fenced block of README.md and docs/*.md with the headings it sits under, for the coverage check. */
export function allBlocks(): { file: string; line: number; lang: string; under: string[] }[] {
  return docFiles().flatMap((file) => {
    const d = doc(file);
    return d.blocks.map((b) => {
      // the innermost heading of each level above the block
      const under: Heading[] = [];
      for (const h of d.headings) {
        if (h.index > b.index) break;
        while (under.length > 0 && under[under.length - 1]!.level >= h.level) under.pop();
        under.push(h);
      }
      return { file, line: b.index + 1, lang: b.lang, under: under.map((h) => h.text) };
    });
  });
}

/** The line ranges a section covers, for the coverage check: [file, first line, last line] (from 1). */
export function sectionLines(heading: string, intro = false): { file: string; from: number; to: number } {
  const { d, h } = find(heading);
  const [from, to] = range(d, h, intro);
  return { file: d.file, from: from + 1, to };
}
