/**
 * Parquet output for `crosstalk export`, through hyparquet-writer (pure
 * JavaScript, no native build). Columns follow the UniversalEvent; `data`
 * and `metadata` are JSON columns. Events are buffered into row groups of
 * ROW_GROUP rows, so memory stays bounded whatever the export's size.
 */
import { fileWriter, ParquetWriter } from 'hyparquet-writer';
import type { UniversalEvent } from '../../core/event.js';
import type { EventWriter } from './format.js';

const ROW_GROUP = 50_000;

type Schema = ConstructorParameters<typeof ParquetWriter>[0]['schema'];

const REQ = 'REQUIRED' as const;
const OPT = 'OPTIONAL' as const;
const text = (name: string, repetition_type: typeof REQ | typeof OPT = REQ) =>
  ({ name, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type });

export const PARQUET_SCHEMA: Schema = [
  { name: 'root', num_children: 12 },
  { name: 'sequence', type: 'INT64', repetition_type: REQ },
  text('id'),
  { name: 'timestamp', type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: REQ },
  text('event_type'),
  text('component'),
  text('instance_id'),
  text('language'),
  text('correlation_id', OPT),
  text('priority'),
  { name: 'ttl_seconds', type: 'INT32', repetition_type: OPT },
  { name: 'data', type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type: OPT },
  { name: 'metadata', type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type: REQ },
];

export function parquetEventWriter(path: string): EventWriter {
  const pw = new ParquetWriter({ writer: fileWriter(path), schema: PARQUET_SCHEMA, createdBy: 'crosstalk export' });
  let rows: UniversalEvent[] = [];
  const writeGroup = async () => {
    if (rows.length === 0) return;
    const col = <T>(f: (e: UniversalEvent) => T) => rows.map(f);
    await pw.write({
      rowGroupSize: ROW_GROUP,
      columnData: [
        { name: 'sequence', data: col((e) => BigInt(e.sequence)) },
        { name: 'id', data: col((e) => e.id) },
        { name: 'timestamp', data: col((e) => new Date(e.timestamp)) },
        { name: 'event_type', data: col((e) => e.event_type) },
        { name: 'component', data: col((e) => e.source.component) },
        { name: 'instance_id', data: col((e) => e.source.instance_id) },
        { name: 'language', data: col((e) => e.source.language) },
        { name: 'correlation_id', data: col((e) => e.source.correlation_id ?? null) },
        { name: 'priority', data: col((e) => e.priority) },
        { name: 'ttl_seconds', data: col((e) => e.ttl_seconds ?? null) },
        // JSON null is written as a parquet null
        { name: 'data', data: col((e) => e.data) },
        { name: 'metadata', data: col((e) => e.metadata) },
      ],
    });
    rows = [];
  };
  return {
    async write(events) {
      for (const e of events) rows.push(e);
      if (rows.length >= ROW_GROUP) await writeGroup();
    },
    async end() {
      await writeGroup();
      await pw.finish();
    },
  };
}
