-- pgbench script of bench/signatures.bench.ts: the physical limit of signing on this server.
-- One transaction = the one INSERT that appeals.signing.ts sign() makes, with the same columns and
-- values, ON CONFLICT and RETURNING, but nothing around it (no authentication, no appeal read, no
-- threshold check, no HTTP). Run with -M extended (what node-postgres does: parse/bind/execute of
-- an unnamed statement per query) and -t per_client; every (client, transaction) pair gets its
-- own user: user_id = first_user_id + client_id * per_client + i - 1, so -c × -t rows, none twice.
-- Variables set with -D: appeal_id, revision_id, text_sha256, full_name, postal_address,
-- municipality_id, first_user_id, per_client, i (= 0).
\set i :i + 1
\set user_id :first_user_id + :client_id * :per_client + :i - 1
insert into signatures (appeal_id, user_id, revision_id, text_sha256, full_name, postal_address, municipality_id, consent_transfer, public_name)
values (:appeal_id, :user_id, :revision_id, :text_sha256, :full_name, :postal_address, :municipality_id, true, null)
on conflict (appeal_id, user_id) do nothing
returning id;
