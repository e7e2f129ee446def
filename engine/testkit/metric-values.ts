import { Metric } from 'prom-client';

/** The sum of a metric's values whose labels include `labels` (histograms: their `_count`). */
export async function metricValue(
  metric: Metric,
  labels: Readonly<Record<string, string>> = {},
): Promise<number> {
  const { values } = await metric.get();
  return values
    .filter((v) => {
      const name = (v as { metricName?: string }).metricName;
      return name === undefined || (!name.endsWith('_bucket') && !name.endsWith('_sum'));
    })
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}

/** A metric's values keyed by one label (for counters labelled by code, kind, outcome…). */
export async function metricBy(metric: Metric, label: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metric.get()).values)
    out[String(v.labels[label])] = (out[String(v.labels[label])] ?? 0) + v.value;
  return out;
}
