-- Adds verdict counts to a batch (and locks its row, so completion is decided one chunk at a time).
update batches
set loaded_count = loaded_count + $2::integer,
    duplicate_count = duplicate_count + $3::integer,
    conflict_count = conflict_count + $4::integer,
    rejected_count = rejected_count + $5::integer
where id = $1::uuid
