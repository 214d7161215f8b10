/**
 * The server started in this process on `config` and stopped again: what it printed on stdout
 * (its banner), for cli.test.ts and server-banner.test.ts.
 */
import { vi } from 'vitest';
import type { GatewayConfig } from '../../gateway/src/config.js';
import { startServer } from '../../gateway/src/server.js';

export async function serverOutput(config: GatewayConfig): Promise<string> {
  const chunks: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    const server = await startServer(config);
    await server.close();
  } finally {
    write.mockRestore();
  }
  return chunks.join('');
}
