/**
 * The ceiling for the benchmark: a bare Fastify route with nothing else, in its own process,
 * measured in the same run as the app (tests/bench/run.ts). Prints "listening <port>" when ready.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const body = '<!doctype html><html lang="ar" dir="rtl"><title>تأهيل</title><p>مرحبا</p></html>';
app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(body));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
const address = app.server.address();
console.log(`listening ${typeof address === 'object' && address ? address.port : ''}`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
