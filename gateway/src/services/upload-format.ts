/**
 * Uploads must be what they declare: bytes sent as text/csv that are not CSV, or as JSON Lines
 * that do not parse, or as a PNG that is not one, are refused (FORMAT_MISMATCH) before anything is
 * anchored. A dataset is anchored and later served under its declared media type, projected by
 * its declared format, and checked by consumers against that declaration; bytes of another kind
 * under it (an HTML page sent as CSV) would be anchored as a lie.
 *
 * Checks stream with the upload, in constant memory: tabular formats are parsed record by record
 * (the proof module's parser, the same that anchors and projects them), text is decoded as strict
 * UTF-8, and binary formats are recognised by their signature bytes. Media types this gateway
 * knows nothing about are accepted as they are (served as opaque bytes, see routes/versions.ts).
 */
import { RecordParser } from '@shulian/proof/records';
import { GatewayError } from '../errors.js';
import { recordFormatOf } from './projection.js';

/** Leading bytes of binary formats, by media type. */
const SIGNATURES: Record<string, readonly (readonly number[])[]> = {
  'image/png': [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  'image/jpeg': [[0xff, 0xd8, 0xff]],
  'application/pdf': [[0x25, 0x50, 0x44, 0x46, 0x2d]],
  'application/zip': [
    [0x50, 0x4b, 0x03, 0x04],
    [0x50, 0x4b, 0x05, 0x06],
  ],
  'application/gzip': [[0x1f, 0x8b]],
};
const TEXT = new Set(['text/plain', 'application/json']);
/** The characters a JSON text can start with (after white space). */
const JSON_START = /^[\s]*[{["\-0-9tfn]/;

export interface FormatCheck {
  /** Throws FORMAT_MISMATCH as soon as the bytes so far cannot be the declared format. */
  update(bytes: Uint8Array): void;
  /** Throws FORMAT_MISMATCH when the whole upload is not the declared format. */
  finish(): void;
}

const mismatch = (mediaType: string, reason: string, cause?: unknown): GatewayError =>
  new GatewayError('FORMAT_MISMATCH', `the upload is not ${mediaType}: ${reason}`, {
    ...(cause === undefined ? {} : { cause }),
  });

/**
 * The check for a declared media type, or null when there is nothing to check. `parsed` says the
 * store parses the records anyway (record-by-record anchoring), whose errors the caller maps.
 */
export function formatCheck(mediaType: string, parsed: boolean): FormatCheck | null {
  const format = recordFormatOf(mediaType);
  if (format) return parsed ? null : parserCheck(mediaType, new RecordParser(format));
  if (TEXT.has(mediaType)) return textCheck(mediaType);
  const signatures = SIGNATURES[mediaType];
  return signatures ? signatureCheck(mediaType, signatures) : null;
}

/** Whether an error thrown while parsing records means the bytes are not that format. */
export const isFormatError = (err: unknown): boolean => err instanceof SyntaxError;

function parserCheck(mediaType: string, parser: RecordParser): FormatCheck {
  const run = (step: () => unknown): void => {
    try {
      step();
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA')
        throw new GatewayError('INVALID_ENCODING', 'dataset is not valid UTF-8 text', {
          cause: err,
        });
      throw isFormatError(err) ? mismatch(mediaType, (err as Error).message, err) : err;
    }
  };
  return {
    update: (bytes) => run(() => parser.push(bytes)),
    finish: () => run(() => parser.end()),
  };
}

function textCheck(mediaType: string): FormatCheck {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let head = '';
  const decode = (bytes?: Uint8Array): void => {
    let text: string;
    try {
      text = bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
    } catch (err) {
      throw mismatch(mediaType, 'it is not UTF-8 text', err);
    }
    if (mediaType === 'application/json' && head.trim() === '') {
      head += text.slice(0, 64);
      if (head.trim() !== '' && !JSON_START.test(head))
        throw mismatch(mediaType, 'it does not start like a JSON value');
    }
  };
  return { update: (bytes) => decode(bytes), finish: () => decode() };
}

function signatureCheck(
  mediaType: string,
  signatures: readonly (readonly number[])[],
): FormatCheck {
  const need = Math.max(...signatures.map((s) => s.length));
  const head: number[] = [];
  const judge = (): void => {
    if (!signatures.some((s) => s.every((byte, i) => head[i] === byte)))
      throw mismatch(mediaType, 'its first bytes are not that format’s signature');
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
