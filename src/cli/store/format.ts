/**
 * Writing events out: a table for people, JSON, JSON Lines and CSV for
 * programs. Writers stream (page by page) and respect the stream's
 * backpressure, so `export` of millions of events runs in constant memory.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { UniversalEvent } from '../../core/event.js';

export const OUTPUT_FORMATS = ['table', 'json', 'jsonl', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface EventWriter {
  write(events: readonly UniversalEvent[]): Promise<void>;
  end(): Promise<void>;
}

async function put(out: Writable, text: string): Promise<void> {
  if (text.length > 0 && !out.write(text)) await once(out, 'drain');
}

export const CSV_COLUMNS = [
  'sequence', 'id', 'timestamp', 'event_type', 'component', 'instance_id', 'language',
  'correlation_id', 'priority', 'ttl_seconds', 'data', 'metadata',
] as const;

/** RFC 4180: quote a field holding a comma, quote or line break; double the quotes. */
export function csvField(v: unknown): string {
  const s = v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(e: UniversalEvent): string {
  const s = e.source;
  return [
    e.sequence, e.id, e.timestamp, e.event_type, s.component, s.instance_id, s.language,
    s.correlation_id, e.priority, e.ttl_seconds, JSON.stringify(e.data), JSON.stringify(e.metadata),
  ].map(csvField).join(',');
}

function clip(s: string, width: number): string {
  if (width <= 1) return s.slice(0, Math.max(width, 0));
  return s.length > width ? `${s.slice(0, width - 1)}…` : s;
}

/** One fixed-width table row; the last column takes what is left of `width`. */
function tableRow(cells: string[], widths: number[], width: number): string {
  let line = '';
  for (let i = 0; i < cells.length - 1; i++) {
    const c = clip(cells[i]!, widths[i]!);
    line += (i === 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)) + '  ';
  }
  return `${line}${clip(cells[cells.length - 1]!, Math.max(width - line.length, 10))}`.trimEnd();
}

const TABLE_HEAD = ['SEQ', 'TIME', 'TYPE', 'SOURCE', 'CORRELATION', 'DATA'];
const TABLE_WIDTHS = [8, 24, 28, 16, 14];

export function tableCells(e: UniversalEvent): string[] {
  return [String(e.sequence), e.timestamp, e.event_type, e.source.component, e.source.correlation_id ?? '-', JSON.stringify(e.data)];
}

export interface WriterOptions {
  /** table width; default the terminal's, else 160 */
  width?: number;
  /** table/csv header line; default true */
  header?: boolean;
}

export function eventWriter(format: OutputFormat, out: Writable, options: WriterOptions = {}): EventWriter {
  const width = options.width ?? ((out as { columns?: number }).columns || 160);
  let started = false;
  const header = options.header !== false;
  switch (format) {
    case 'jsonl':
      return {
        write: (events) => put(out, events.map((e) => `${JSON.stringify(e)}\n`).join('')),
        end: async () => undefined,
      };
    case 'json':
      // one array, one event per line: valid JSON that still streams
      return {
        write: async (events) => {
          if (events.length === 0) return;
          const body = events.map((e) => JSON.stringify(e)).join(',\n');
          await put(out, `${started ? ',\n' : '[\n'}${body}`);
          started = true;
        },
        end: () => put(out, started ? '\n]\n' : '[]\n'),
      };
    case 'csv':
      return {
        write: async (events) => {
          const head = !started && header ? `${CSV_COLUMNS.join(',')}\n` : '';
          started = true;
          await put(out, head + events.map((e) => `${csvRow(e)}\n`).join(''));
        },
        end: async () => {
          if (!started && header) await put(out, `${CSV_COLUMNS.join(',')}\n`);
        },
      };
    case 'table':
      return {
        write: async (events) => {
          if (events.length === 0) return;
          const head = !started && header ? `${tableRow(TABLE_HEAD, TABLE_WIDTHS, width)}\n` : '';
          started = true;
          await put(out, head + events.map((e) => `${tableRow(tableCells(e), TABLE_WIDTHS, width)}\n`).join(''));
        },
        end: async () => undefined,
      };
  }
}
