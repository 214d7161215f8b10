/**
 * Projection of tabular datasets (CSV, JSON Lines) to the granted fields while streaming: a
 * consumer receives only the columns its grant names (授权使用: scope limited to the granted 信息项).
 * Record parsing is the proof module's, so what is projected is exactly what was anchored.
 */
import { Transform } from 'node:stream';
import type { Json } from '@shulian/chaincode/canonical';
import { RecordParser, type RecordFormat } from '@shulian/proof/records';

export function recordFormatOf(mediaType: string): RecordFormat | null {
  const type = mediaType.split(';')[0]?.trim().toLowerCase();
  if (type === 'text/csv') return 'csv';
  if (
    type === 'application/x-ndjson' ||
    type === 'application/jsonl' ||
    type === 'application/x-jsonlines'
  )
    return 'jsonl';
  return null;
}

const csvCell = (value: Json | undefined): string => {
  const text =
    value === null || value === undefined
      ? ''
      : typeof value === 'string'
        ? value
        : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** A record limited to `fields` (those it has), in the order given. */
export function pick(record: Json, fields: readonly string[]): Record<string, Json> {
  const source =
    record !== null && typeof record === 'object' && !Array.isArray(record) ? record : {};
  const out: Record<string, Json> = {};
  for (const f of fields) if (f in source) out[f] = source[f] ?? null;
  return out;
}

/** A transform from the stored bytes to the projected bytes (header first for CSV). */
export function projectRecords(format: RecordFormat, fields: readonly string[]): Transform {
  const parser = new RecordParser(format);
  let headerSent = false;
  const render = (records: Json[]): string => {
    let out = '';
    if (format === 'csv' && !headerSent) {
      out += fields.map((f) => csvCell(f)).join(',') + '\r\n';
      headerSent = true;
    }
    for (const record of records) {
      const picked = pick(record, fields);
      out +=
        format === 'csv'
          ? fields.map((f) => csvCell(picked[f])).join(',') + '\r\n'
          : JSON.stringify(picked) + '\n';
    }
    return out;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        const text = render(parser.push(chunk));
        callback(null, text.length ? text : undefined);
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback) {
      try {
        const text = render(parser.end());
        callback(null, text.length ? text : undefined);
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}
