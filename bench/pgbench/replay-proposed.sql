-- Diagnostic (BENCH_REPLAY=1): the sign path as the app runs it today — two statements, one
-- commit, no count(*) per signature (the app sends both as named prepared statements; -M extended here):
-- the token lookup (its last_used_at written in batches elsewhere, not per request), then one
-- statement that locks the appeal row FOR KEY SHARE (as sign() does today, so the dispatch's FOR UPDATE
-- still waits for signers in flight), checks it is collecting, inserts, and returns the appeal's
-- threshold state so the threshold check needs no further read until it can be crossed.
\set i :i + 1
\set user_id :first_user_id + :client_id * :per_client + :i - 1
select u.*, t.id as token_id, t.last_used_at from api_tokens t inner join users u on u.id = t.user_id where t.user_id = :user_id;
with a as (
  select id, status, threshold, threshold_reached_at, frozen_revision_id, text_sha256 from appeals where id = :appeal_id for key share
), inserted as (
  insert into signatures (appeal_id, user_id, revision_id, text_sha256, full_name, postal_address, municipality_id, consent_transfer, public_name)
  select a.id, :user_id, a.frozen_revision_id, a.text_sha256, :full_name, :postal_address, :municipality_id, true, null
  from a where a.status = 'collecting' and a.frozen_revision_id is not null
  on conflict (appeal_id, user_id) do nothing
  returning id
)
select (select id from inserted) as signature_id, a.status, a.threshold, a.threshold_reached_at from a;
