-- Ids of the documents of one chunk still without a verdict.
select id from documents where batch_id = $1::uuid and chunk = $2::integer and verdict is null order by id
