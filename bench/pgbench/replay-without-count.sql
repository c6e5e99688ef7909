-- Diagnostic (BENCH_REPLAY=1): the first version's sign path without the count(*) of checkThreshold()
-- (its appeal read kept) — what the count cost.
-- The token is looked up by user_id instead of token_hash (pgbench cannot hash; same index-lookup cost).
\set i :i + 1
\set user_id :first_user_id + :client_id * :per_client + :i - 1
\set token_id :user_id - :first_user_id + :first_token_id
-- accounts.service.ts resolveApiToken(): the token and its user, then last_used_at (first use: always)
select u.*, t.id as token_id, t.last_used_at from api_tokens t inner join users u on u.id = t.user_id where t.user_id = :user_id;
update api_tokens set last_used_at = now() where id = :token_id;
-- appeals.signing.ts sign(): the signer's name fields again, then the signing transaction
select first_name, surname, municipality_id from users where id = :user_id;
begin;
select id, status, frozen_revision_id, text_sha256, problem_id from appeals where id = :appeal_id for key share;
insert into signatures (appeal_id, user_id, revision_id, text_sha256, full_name, postal_address, municipality_id, consent_transfer, public_name)
values (:appeal_id, :user_id, :revision_id, :text_sha256, :full_name, :postal_address, :municipality_id, true, null)
on conflict (appeal_id, user_id) do nothing returning id;
commit;
-- appeals.signing.ts checkThreshold() without the count
select threshold, threshold_reached_at, status, problem_id from appeals where id = :appeal_id;
