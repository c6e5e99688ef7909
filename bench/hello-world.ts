/**
 * The reference of bench/count.bench.ts: a Fastify hello world with the app's own security headers (helmet, as
 * src/core/http/server.tsx sets them, from the same environment), on 127.0.0.1:$PORT. Prints "listening" once ready.
 */
import Fastify from 'fastify';
import { loadConfig } from '../src/config.ts';
import { securityHeadersFor } from '../src/core/http/server.tsx';

const securityHeaders = securityHeadersFor(loadConfig(process.env));
const app = Fastify({ logger: false });
app.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined)));
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
console.log('listening');
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
