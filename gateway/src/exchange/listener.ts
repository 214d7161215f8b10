/**
 * The exchange listener: the same app's routes over HTTPS with mutual TLS, where other
 * departments' gateways call this one (SHULIAN_EXCHANGE_PORT). A client certificate is asked for
 * and not judged by TLS itself: which certificate a department's gateway may present is on chain
 * (the directory), read per request by the exchange routes, so a renewed publication takes
 * effect without a restart.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** A TLS certificate and its key, PEM. */
export interface TlsPair {
  certificate: string;
  privateKey: string;
}

export interface ExchangeListener {
  /** https://host:port, the URL a department's admin publishes in the directory. */
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function listenExchange(
  app: FastifyInstance,
  options: { host: string; port: number; tls: TlsPair },
): Promise<ExchangeListener> {
  // Routing into an app whose hooks are not compiled yet fails on the first request.
  await app.ready();
  const server = createServer(
    {
      cert: options.tls.certificate,
      key: options.tls.privateKey,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    },
    (request, response) => app.routing(request, response),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `https://${host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
