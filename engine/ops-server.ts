import http from 'node:http';
import { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { Logger } from './logger';

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The internal address of a process without an HTTP API (worker, scheduler): GET /health for the
 * supervisor and container health checks, GET /metrics for Prometheus. Never behind the public Nginx.
 */
export async function startOpsServer(options: {
  host: string;
  port: number;
  registry: Registry;
  logger: Logger;
  healthy?: () => boolean;
}): Promise<OpsServer> {
  const server = http.createServer((req, res) => {
    void (async () => {
      if (req.url === '/health') {
        const ok = options.healthy?.() ?? true;
        res
          .writeHead(ok ? 200 : 503, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ status: ok ? 'ok' : 'unhealthy' }));
      } else if (req.url === '/metrics') {
        res
          .writeHead(200, { 'Content-Type': options.registry.contentType })
          .end(await options.registry.metrics());
      } else {
        res
          .writeHead(404, { 'Content-Type': 'application/json' })
          .end('{"error":{"code":"NOT_FOUND","message":"try /health or /metrics"}}');
      }
    })().catch((err: Error) => {
      options.logger.warn({ err: err.message }, 'ops server request failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
