-- Marks a batch completed once none of its documents waits for a verdict.
update batches b
set state = 'completed', completed_at = now()
where b.id = $1::uuid and b.state <> 'completed'
  and not exists (select 1 from documents d where d.batch_id = b.id and d.verdict is null)
returning b.id
