/**
 * Uploads must be of the format their catalog entry declares (constants.ts DATASET_FORMATS). A
 * dataset is anchored and later served under that format, projected by it, and checked by
 * consumers against it; bytes of another kind under it (an HTML page under a CSV entry) would be
 * anchored as a lie, and served to consumers as their data.
 *
 * Two refusals: MEDIA_TYPE_MISMATCH (415) when the bytes are of another kind than the declared
 * format (a page, an image, binary data or JSON under a CSV entry, a fake PNG), and
 * FORMAT_MISMATCH (400) when they are that kind but malformed (a CSV row with an extra cell).
 * Checks stream with the upload, in constant memory: the first bytes are sniffed as browsers
 * sniff (WHATWG MIME Sniffing: binary data bytes, markup), tabular formats are parsed record by
 * record (the proof module's parser, the same that anchors and projects them), text is decoded
 * as strict UTF-8, and binary formats are recognised by their signature bytes. An entry declaring
 * application/octet-stream declares nothing to check.
 */
import { RecordParser, type RecordFormat } from '@shulian/proof/records';
import type { DatasetFormat } from '@shulian/chaincode/constants';
import { GatewayError } from '../errors.js';
import { recordFormatOf } from './projection.js';

/** Leading bytes of binary formats, by media type. */
const SIGNATURES: Partial<Record<DatasetFormat, readonly (readonly number[])[]>> = {
  'image/png': [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  'image/jpeg': [[0xff, 0xd8, 0xff]],
  'application/pdf': [[0x25, 0x50, 0x44, 0x46, 0x2d]],
  'application/zip': [
    [0x50, 0x4b, 0x03, 0x04],
    [0x50, 0x4b, 0x05, 0x06],
  ],
  'application/gzip': [[0x1f, 0x8b]],
};
const TEXT = new Set<DatasetFormat>(['text/plain', 'application/json']);
/** The characters a JSON text can start with (after white space). */
const JSON_START = /^[\s]*[{["\-0-9tfn]/;
/** As many leading bytes as a browser sniffs (WHATWG MIME Sniffing's resource header). */
const SNIFF_BYTES = 512;
/** A tag or markup declaration at the start: HTML, SVG, XML. */
const MARKUP_START = /^<[A-Za-z!?/]/;
/** What the first character of each tabular format cannot be, and why. */
const TABULAR_START: Record<RecordFormat, { wrong: RegExp; kind: string }> = {
  // A CSV header starting with { or [ is JSON, not a column name.
  csv: { wrong: /^[{[]/, kind: 'it is JSON, not CSV' },
  // Every JSON Lines record is an object.
  jsonl: { wrong: /^[^{]/, kind: 'its first line is not a JSON object' },
};

export interface FormatCheck {
  /** Throws as soon as the bytes so far cannot be the declared format. */
  update(bytes: Uint8Array): void;
  /** Throws when the whole upload is not the declared format. */
  finish(): void;
}

/** The bytes are of another kind than the entry's format. */
const mismatch = (format: DatasetFormat, reason: string, cause?: unknown): GatewayError =>
  new GatewayError('MEDIA_TYPE_MISMATCH', `the upload is not ${format}: ${reason}`, {
    details: { declared: format },
    ...(cause === undefined ? {} : { cause }),
  });

/**
 * The check of an upload against its entry's declared format, or null when there is nothing to
 * check. `parsed` says the store parses the records anyway (record-by-record anchoring), whose
 * errors the caller maps; the sniffing is done here either way.
 */
export function formatCheck(format: DatasetFormat, parsed: boolean): FormatCheck | null {
  const tabular = recordFormatOf(format);
  if (tabular) {
    const sniff = tabularSniff(format, tabular);
    if (parsed) return sniff;
    const parse = parserCheck(format, new RecordParser(tabular));
    return {
      update(bytes) {
        sniff.update(bytes);
        parse.update(bytes);
      },
      finish() {
        sniff.finish();
        parse.finish();
      },
    };
  }
  if (TEXT.has(format)) return textCheck(format);
  const signatures = SIGNATURES[format];
  return signatures ? signatureCheck(format, signatures) : null;
}

/** WHATWG MIME Sniffing's binary data bytes: control characters no text file holds. */
const isBinaryDataByte = (b: number): boolean =>
  b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f);

/**
 * The first bytes of a CSV or JSON Lines upload are text of that format: no binary data, no
 * markup (an HTML page or an SVG image parses as a one-column CSV, and would be served as one),
 * nor the other tabular format.
 */
function tabularSniff(format: DatasetFormat, tabular: RecordFormat): FormatCheck {
  let head = Buffer.alloc(0);
  let judged = false;
  // Not fatal: the head may end inside a character; only its start is read.
  const start = (): string =>
    new TextDecoder('utf-8')
      .decode(head)
      .replace(/^\uFEFF/, '')
      .trimStart();
  const judge = (text: string): void => {
    judged = true;
    if (MARKUP_START.test(text))
      throw mismatch(format, 'it is markup (an HTML page, an SVG image or XML)');
    if (TABULAR_START[tabular].wrong.test(text))
      throw mismatch(format, TABULAR_START[tabular].kind);
  };
  // Judged as the bytes arrive, before the record parser sees them: binary data or a page is
  // refused as what it is, not as a CSV row that did not parse.
  const update = (bytes: Uint8Array): void => {
    if (head.length >= SNIFF_BYTES) return;
    const more = bytes.subarray(0, SNIFF_BYTES - head.length);
    if (more.some(isBinaryDataByte)) throw mismatch(format, 'it holds binary data');
    head = Buffer.concat([head, more]);
    // Two characters tell a tag (<h) from a cell starting with <.
    const text = judged ? '' : start();
    if (text.length >= 2) judge(text);
  };
  const finish = (): void => {
    const text = judged ? '' : start();
    if (text !== '') judge(text);
  };
  return { update, finish };
}

/** Whether an error thrown while parsing records means the bytes are not that format. */
export const isFormatError = (err: unknown): boolean => err instanceof SyntaxError;

/** Malformed records of the right kind: FORMAT_MISMATCH. */
function parserCheck(format: DatasetFormat, parser: RecordParser): FormatCheck {
  const run = (step: () => unknown): void => {
    try {
      step();
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA')
        throw new GatewayError('INVALID_ENCODING', 'dataset is not valid UTF-8 text', {
          cause: err,
        });
      if (!isFormatError(err)) throw err;
      throw new GatewayError(
        'FORMAT_MISMATCH',
        `the upload is not ${format}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  };
  return {
    update: (bytes) => run(() => parser.push(bytes)),
    finish: () => run(() => parser.end()),
  };
}

function textCheck(format: DatasetFormat): FormatCheck {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let head = '';
  const decode = (bytes?: Uint8Array): void => {
    let text: string;
    try {
      text = bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
    } catch (err) {
      throw mismatch(format, 'it is not UTF-8 text', err);
    }
    if (format === 'application/json' && head.trim() === '') {
      head += text.slice(0, 64);
      if (head.trim() !== '' && !JSON_START.test(head))
        throw mismatch(format, 'it does not start like a JSON value');
    }
  };
  return { update: (bytes) => decode(bytes), finish: () => decode() };
}

function signatureCheck(
  format: DatasetFormat,
  signatures: readonly (readonly number[])[],
): FormatCheck {
  const need = Math.max(...signatures.map((s) => s.length));
  const head: number[] = [];
  const judge = (): void => {
    if (!signatures.some((s) => s.every((byte, i) => head[i] === byte)))
      throw mismatch(format, 'its first bytes are not that format’s signature');
  };
  return {
    update(bytes) {
      if (head.length >= need) return;
      head.push(...bytes.subarray(0, need - head.length));
      if (head.length >= need) judge();
    },
    finish() {
      // An empty upload is EMPTY_UPLOAD's to refuse.
      if (head.length > 0 && head.length < need) judge();
    },
  };
}
