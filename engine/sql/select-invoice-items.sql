-- The items of one invoice, in order.
select * from invoice_items where tenant_id = $1::uuid and chave = $2::text order by item_number
