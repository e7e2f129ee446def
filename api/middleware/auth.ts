import { Middleware } from 'koa';
import { NfeError, findKeyOwner } from '../../engine/index';
import { AppDeps, AppState } from '../context';

/** `Authorization: Bearer <key>`: the tenant every /v1 query is scoped to. */
export function authenticate(deps: AppDeps): Middleware<AppState> {
  return async (ctx, next) => {
    const header = ctx.get('Authorization');
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (m === null)
      throw new NfeError(
        'UNAUTHORIZED',
        'send the API key as "Authorization: Bearer <key>"',
        false,
        { 'WWW-Authenticate': 'Bearer' },
      );
    const owner = await findKeyOwner(deps.db, m[1]);
    if (owner === null)
      throw new NfeError('UNAUTHORIZED', 'unknown API key', false, {
        'WWW-Authenticate': 'Bearer error="invalid_token"',
      });
    if (owner.revoked) throw new NfeError('FORBIDDEN', `API key ${owner.keyPrefix}… was revoked`);
    ctx.state.tenantId = owner.tenantId;
    ctx.state.keyId = owner.keyId;
    ctx.state.log = ctx.state.log.child({ tenantId: owner.tenantId, keyPrefix: owner.keyPrefix });
    await next();
  };
}
