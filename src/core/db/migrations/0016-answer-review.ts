import { type Kysely, sql } from 'kysely';

/**
 * The two weeks after an answer (DESIGN §2): publishing the answer opens the review window, in which the
 * signers and the author rate it; at its end the ratings freeze and the appeal closes with the citizens'
 * verdict. An appeal that got no answer closes as `unanswered` after a grace period past its due date.
 *
 * `answer_ratings` (owned by the answers module) holds one rating per person and appeal, changeable while
 * the window is open. An appeal confirmed as answered before this migration is put in its review window
 * now, counted from its answer.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table appeals
    add column review_closes_at timestamptz,
    add column closed_at timestamptz,
    add column outcome text check (outcome in ('resolved', 'partly', 'unresolved', 'unanswered'))`.execute(db);
  await sql`update appeals set status = 'review', review_closes_at = answered_at + interval '14 days'
    where status = 'answered' and answered_at is not null`.execute(db);
  // The closing sweep's work list: open windows by their end.
  await sql`create index appeals_review_closes_idx on appeals (review_closes_at) where status = 'review'`.execute(db);
  await sql`create table answer_ratings (
    id serial primary key,
    appeal_id integer not null references appeals (id),
    user_id integer not null references users (id),
    score smallint not null check (score between 1 and 5),
    solved text not null check (solved in ('yes', 'partly', 'no')),
    comment text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (appeal_id, user_id)
  )`.execute(db);
  // The public comments under an answer, newest first, without sorting every rating of a viral appeal.
  await sql`create index answer_ratings_comments_idx on answer_ratings (appeal_id, updated_at desc, id desc) where comment is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table answer_ratings`.execute(db);
  await sql`update appeals set status = 'answered' where status = 'review'`.execute(db);
  await sql`drop index appeals_review_closes_idx`.execute(db);
  await sql`alter table appeals drop column review_closes_at, drop column closed_at, drop column outcome`.execute(db);
}
