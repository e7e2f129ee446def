-- Pending deliveries whose next attempt is due (the Redis-loss safety net for webhook jobs).
select id, attempts from webhook_deliveries where state = 'pending' and next_attempt_at <= now() order by next_attempt_at limit 1000
