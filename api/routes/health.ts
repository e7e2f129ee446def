import { Router } from '@koa/router';
import { within } from '../../engine/index';
import { AppDeps, AppState } from '../context';
import { OPENAPI } from '../openapi';

/** Liveness (the process answers) and readiness (its dependencies answer, and it is not closing). */
export function healthRoutes(deps: AppDeps, isClosing: () => boolean): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/ready', async (ctx) => {
    const checks: Record<string, string> = {};
    const probe = async (name: string, run: () => Promise<unknown>): Promise<void> => {
      try {
        await within(2000, run());
        checks[name] = 'ok';
      } catch (err) {
        checks[name] = `down: ${(err as Error).message.slice(0, 120)}`;
      }
    };
    await Promise.all([
      probe('postgres', () => deps.db.queryText('select 1')),
      probe('redis', () => deps.redis.ping()),
    ]);
    if (isClosing()) checks.process = 'shutting down';
    const ready = Object.values(checks).every((v) => v === 'ok');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'unavailable', checks };
  });
  router.get('/openapi.json', (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = OPENAPI;
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
  return router;
}
