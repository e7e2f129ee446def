-- A completed batch with where its webhook goes (the batch's callback URL, else the tenant's).
select b.*, coalesce(b.callback_url, t.callback_url) as target_url
from batches b join tenants t on t.id = b.tenant_id
where b.id = $1::uuid
