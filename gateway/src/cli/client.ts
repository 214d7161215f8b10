/**
 * The CLI's HTTP client for a running gateway: JSON calls and streamed uploads, errors surfaced
 * with the gateway's code.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Progress } from './progress.js';

export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

export interface GatewayClient {
  json<T>(method: string, path: string, body?: unknown): Promise<T>;
  upload<T>(path: string, file: string, contentType: string, progress: Progress): Promise<T>;
  text(path: string): Promise<string>;
}

async function failure(res: Response): Promise<CliError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.code)
      return new CliError(body.error.code, body.error.message ?? res.statusText);
  } catch {
    // not our error shape; fall through
  }
  return new CliError('HTTP_ERROR', `HTTP ${res.status}: ${text.slice(0, 200)}`);
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
      throw new CliError(
        'GATEWAY_UNREACHABLE',
        `cannot reach the gateway at ${baseUrl} (is it running?)`,
        { cause: err },
      );
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

    /** Streams the file with node:http so memory stays flat and progress follows the socket. */
    async upload<T>(
      path: string,
      file: string,
      contentType: string,
      progress: Progress,
    ): Promise<T> {
      const { size } = await stat(file);
      const url = new URL(path, baseUrl);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      return new Promise<T>((resolve, reject) => {
        const req = send(
          url,
          {
            method: 'POST',
            headers: headers({ 'content-type': contentType, 'content-length': String(size) }),
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              const status = res.statusCode ?? 0;
              if (status >= 200 && status < 300) {
                resolve(JSON.parse(text) as T);
                return;
              }
              let code = 'HTTP_ERROR';
              let message = `HTTP ${status}: ${text.slice(0, 200)}`;
              try {
                const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
                if (body.error?.code)
                  ({ code, message = message } = body.error as { code: string; message?: string });
              } catch {
                // keep the raw text
              }
              reject(new CliError(code, message));
            });
            res.on('error', reject);
          },
        );
        req.on('error', (err) =>
          reject(
            new CliError('GATEWAY_UNREACHABLE', `upload to ${baseUrl} failed: ${err.message}`, {
              cause: err,
            }),
          ),
        );
        const counter = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            progress.advance(chunk.length);
            cb(null, chunk);
          },
        });
        pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), counter, req).catch(reject);
      });
    },
  };
}
