import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry per process, with the process defaults (CPU, memory, event-loop lag,
 * GC) labelled by process name. Label values never hold a chave, a CNPJ or a tenant name.
 */
export function createMetricsRegistry(processName: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ process: processName });
  collectDefaultMetrics({ register: registry });
  return registry;
}
