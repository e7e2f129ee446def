-- A pending delivery that is due, locked for the attempt (a concurrent attempt skips it), with the tenant's secret.
select d.id, d.url, d.payload, d.attempts, d.created_at, t.webhook_secret
from webhook_deliveries d join tenants t on t.id = d.tenant_id
where d.id = $1::uuid and d.state = 'pending' and d.next_attempt_at <= now()
for update of d skip locked
