// Node's counterparts of upstream's /debug/pprof on the HTTP port, behind --debug.enable-profiling: a V8 CPU profile
// taken over ?seconds= (a .cpuprofile, for Chrome DevTools or speedscope) and a V8 heap snapshot (a .heapsnapshot).
import { Session } from 'node:inspector/promises';
import { getHeapSnapshot } from 'node:v8';
import type { FastifyInstance } from 'fastify';
import type { Logger } from './logger.js';

export const PROFILING_FLAG = 'debug.enable-profiling';
const MAX_SECONDS = 300;

const INDEX = `thanos-ts profiling endpoints (Node counterparts of Go's /debug/pprof):
/debug/pprof/profile?seconds=30   V8 CPU profile over the given seconds (1-${MAX_SECONDS}), a .cpuprofile (JSON):
                                  open it in Chrome DevTools (Performance) or https://www.speedscope.app
/debug/pprof/heap                 V8 heap snapshot, a .heapsnapshot (JSON): open it in Chrome DevTools (Memory).
                                  Taking it pauses the process and needs memory about the heap's size.
`;

/** Registers the endpoints when `enabled`; otherwise /debug/pprof/* answers 404 naming the flag that enables them. */
export function registerProfilingRoutes(app: FastifyInstance, enabled: boolean, logger: Logger): void {
  if (!enabled) {
    app.get('/debug/pprof/*', async (_req, reply) => reply.code(404).type('text/plain; charset=utf-8')
      .send(`profiling endpoints are disabled; start with --${PROFILING_FLAG} to serve them\n`));
    return;
  }
  // One profile or snapshot at a time: two at once would measure each other.
  let busy = false;
  const stamp = (): string => new Date().toISOString().replaceAll(':', '-');

  app.get('/debug/pprof/', async (_req, reply) => reply.type('text/plain; charset=utf-8').send(INDEX));

  app.get('/debug/pprof/profile', async (req, reply) => {
    const raw = (req.query as Record<string, string | undefined>)['seconds'] ?? '30';
    const seconds = Number(raw);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_SECONDS) {
      return reply.code(400).type('text/plain; charset=utf-8').send(`seconds=${raw}: want a whole number of seconds from 1 to ${MAX_SECONDS}\n`);
    }
    if (busy) return reply.code(409).type('text/plain; charset=utf-8').send('a profile or heap snapshot is already being taken\n');
    busy = true;
    const session = new Session();
    session.connect();
    try {
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
      logger.info('taking a CPU profile', { component: 'profiling', seconds });
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      const { profile } = await session.post('Profiler.stop');
      return await reply.type('application/json')
        .header('content-disposition', `attachment; filename="thanos-ts-${stamp()}.cpuprofile"`)
        .send(JSON.stringify(profile));
    } finally {
      session.disconnect();
      busy = false;
    }
  });

  app.get('/debug/pprof/heap', async (_req, reply) => {
    if (busy) return reply.code(409).type('text/plain; charset=utf-8').send('a profile or heap snapshot is already being taken\n');
    busy = true;
    logger.info('taking a heap snapshot', { component: 'profiling' });
    const snapshot = getHeapSnapshot();
    const done = (): void => { busy = false; };
    snapshot.once('close', done);
    snapshot.once('error', done);
    return reply.type('application/json')
      .header('content-disposition', `attachment; filename="thanos-ts-${stamp()}.heapsnapshot"`)
      .send(snapshot);
  });
}
