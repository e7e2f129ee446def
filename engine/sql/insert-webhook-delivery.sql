-- Records a webhook to deliver (the outbox), once per batch and event type.
insert into webhook_deliveries (id, tenant_id, batch_id, event_type, url, payload)
values ($1::uuid, $2::uuid, $3::uuid, $4::text, $5::text, $6::jsonb)
on conflict (batch_id, event_type) do nothing
returning id
