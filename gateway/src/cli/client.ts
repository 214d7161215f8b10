/**
 * The CLI's HTTP client for a running gateway: JSON calls and streamed uploads, errors surfaced
 * with the gateway's code.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Transform } from 'node:stream';
import { t } from './i18n.js';
import type { Progress } from './progress.js';

/** One problem the gateway found in a request (VALIDATION_FAILED details). */
export interface Issue {
  path: string;
  message: string;
}

export class CliError extends Error {
  readonly details: Issue[];
  constructor(
    readonly code: string,
    message: string,
    options: { cause?: unknown; details?: Issue[] } = {},
  ) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'CliError';
    this.details = options.details ?? [];
  }
}

export interface GatewayClient {
  json<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** `contentType` null: none sent, the catalog entry's declared format is meant. */
  upload<T>(path: string, file: string, contentType: string | null, progress: Progress): Promise<T>;
  text(path: string): Promise<string>;
}

/** The gateway's error body ({ error: { code, message, details } }) as a CliError. */
function failureOf(status: number, text: string): CliError {
  try {
    const body = JSON.parse(text) as {
      error?: { code?: string; message?: string; details?: unknown };
    };
    if (body.error?.code) {
      const details = Array.isArray(body.error.details)
        ? (body.error.details as Partial<Issue>[]).filter(
            (d): d is Issue => typeof d?.path === 'string' && typeof d.message === 'string',
          )
        : [];
      return new CliError(body.error.code, body.error.message ?? `HTTP ${status}`, { details });
    }
  } catch {
    // not our error shape; fall through
  }
  return new CliError('HTTP_ERROR', `HTTP ${status}: ${text.slice(0, 200)}`);
}

async function failure(res: Response): Promise<CliError> {
  return failureOf(res.status, await res.text());
}

export function createClient(baseUrl: string, token: string | undefined): GatewayClient {
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...extra,
  });
  const call = async (method: string, path: string, init: RequestInit = {}): Promise<Response> => {
    try {
      return await fetch(new URL(path, baseUrl), { method, ...init });
    } catch (err) {
      throw new CliError('GATEWAY_UNREACHABLE', t('error.unreachable', { url: baseUrl }), {
        cause: err,
      });
    }
  };

  return {
    async json<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await call(method, path, {
        headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!res.ok) throw await failure(res);
      return (await res.json()) as T;
    },

    async text(path) {
      const res = await call('GET', path, { headers: headers() });
      if (!res.ok) throw await failure(res);
      return res.text();
    },

    /**
     * Streams the file with node:http so memory stays flat and progress follows the socket. The
     * gateway may answer before the body is sent (403 NOT_OWNER after the first bytes): then the
     * upload stops at once, the socket is closed and the gateway's error is the answer, instead of
     * streaming the rest of a large file into a request that has already failed.
     */
    async upload<T>(
      path: string,
      file: string,
      contentType: string,
      progress: Progress,
    ): Promise<T> {
      const { size } = await stat(file);
      const url = new URL(path, baseUrl);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const source = createReadStream(file, { highWaterMark: 1 << 20 });
      let settled = false;
      return new Promise<T>((resolve, reject) => {
        const req = send(url, {
          method: 'POST',
          headers: headers({
            ...(contentType === null ? {} : { 'content-type': contentType }),
            'content-length': String(size),
          }),
        });
        const finish = (err: CliError | null, value?: T): void => {
          if (settled) return;
          settled = true;
          if (err) {
            progress.fail();
            source.destroy();
            req.destroy();
            reject(err);
          } else resolve(value as T);
        };
        let responded = false;
        req.on('response', (res) => {
          responded = true;
          const status = res.statusCode ?? 0;
          const early = status >= 300;
          // An error answer ends the upload now: nothing more is read from the file.
          if (early) source.unpipe();
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (early) finish(failureOf(status, text));
            else
              try {
                finish(null, JSON.parse(text) as T);
              } catch {
                finish(failureOf(status, text));
              }
          });
          res.on('error', (err) =>
            finish(new CliError('GATEWAY_UNREACHABLE', err.message, { cause: err })),
          );
        });
        // Once the gateway has answered, its answer is the result; a reset socket after it is not.
        req.on('error', (err) => {
          if (responded) return;
          finish(
            new CliError(
              'GATEWAY_UNREACHABLE',
              t('error.uploadFailed', { url: baseUrl, message: err.message }),
              { cause: err },
            ),
          );
        });
        const counter = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            progress.advance(chunk.length);
            cb(null, chunk);
          },
        });
        source.on('error', (err) =>
          finish(
            new CliError('FILE_NOT_READABLE', t('error.reading', { file, message: err.message })),
          ),
        );
        source.pipe(counter).pipe(req);
      });
    },
  };
}
