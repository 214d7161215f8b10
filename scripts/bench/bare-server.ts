/**
 * The baseline for the verify-by-digest benchmark: a bare Fastify route in its own process (the
 * gateway runs in its own process too), answering the same JSON shape from memory.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const answer = { matches: [] as unknown[] };
app.get('/api/v1/verify', (_request, reply) => reply.send(answer));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
const address = app.server.address();
process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
