-- Pending webhook deliveries of one batch (enqueued right after the batch completes).
select id, attempts from webhook_deliveries where batch_id = $1::uuid and state = 'pending'
