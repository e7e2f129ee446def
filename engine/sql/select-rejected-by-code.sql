-- How many documents of a batch were rejected, per code.
select code, count(*)::int as n from documents where batch_id = $1::uuid and verdict = 'rejected' group by code order by code
