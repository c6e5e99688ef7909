/**
 * What the problems module needs from modules above it (see Ports in core/context.ts). An appeal
 * belongs to a problem, so appeals import problems and never the reverse; yet a problem's page shows
 * its appeals, and listings count and sort by their signatures. Problems declare here what they ask
 * for, the appeals module answers (appeals.queries.ts, appeals.views.tsx), src/app.ts plugs it in.
 *
 * The counts are SQL expressions, not numbers: a listing sorted by recent signatures stays one
 * query (the appeals module writes the subquery over its own tables; problems only place it).
 * Modules to come copy this: answers, cabinet, drafting and moderation import the modules they
 * build on, and what those show of them goes through a port declared by the lower module.
 */
import type { FastifyRequest } from 'fastify';
import type { AliasableExpression, Expression, SqlBool } from 'kysely';
import type { VNode } from 'preact';
import type { AppContext } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import type { AppealStatus } from '../../core/db/schema.ts';
import type { TableName } from '../../core/db/table-writes.ts';
import type { PageSection } from '../../core/views/page-section.ts';

/** One appeal of a problem's chain, as the problem page and the problem API show it. */
export interface ProblemAppeal {
  id: number;
  title: string;
  status: AppealStatus;
  threshold: number;
  signatures: number;
  organization_name: string;
  organization_slug: string;
  opened_at: Date | null;
  sent_at: Date | null;
  sent_by: 'platform' | 'author' | null;
  answer_due_at: Date | null;
  /** The addressee's time zone: the 59-FZ deadlines are days there. */
  time_zone: string;
  previous_appeal_id: number | null;
  author_id: number | null;
  /** Set once the platform started sending it: signing is closed and it can no longer be withdrawn. */
  dispatch_started_at: Date | null;
}

/** What a timeline event shows of the appeal it is about. */
export interface EventAppeal {
  id: number;
  title: string;
  status: AppealStatus;
  author_id: number | null;
}

export interface ProblemAppeals {
  /** The chain of appeals of a problem, oldest first, with their counts; drafts only for their author. */
  forProblem(ctx: AppContext, problemId: number, viewerId: number | null): Promise<ProblemAppeal[]>;
  /** The appeals named by timeline events, by id. */
  byIds(ctx: AppContext, appealIds: number[]): Promise<Map<number, EventAppeal>>;
  /** Counted (not flagged) signatures under all appeals of the problem whose id is `problemId`; with `since`, only those made since (whole days). About a second behind signing. */
  signatureCount(problemId: Expression<number>, since?: Date): AliasableExpression<number>;
  /**
   * The author marked the problem solved (called in that transaction): withdraws its open appeals when
   * asked (not one the platform is already sending) and has signers and followers told. Returns the
   * ids of the appeals withdrawn.
   */
  problemSolved(ctx: AppContext, trx: Executor, input: { problemId: number; actorId: number; withdrawOpen: boolean }): Promise<number[]>;
  /** The status of the problem's latest appeal that is not a draft (drafts are their author's alone), or null: for its cards. */
  latestStatus(problemId: Expression<number>): AliasableExpression<AppealStatus | null>;
  /**
   * True when the problem has an appeal (not a draft) to the organization with this slug, or this id. By id the
   * planner sees the organization when it plans, so it knows a body with 50,000 appeals from one with 50.
   */
  addressedTo(problemId: Expression<number>, organization: string | { id: number }): Expression<SqlBool>;
  /**
   * The ids of the problems with an appeal (not a draft) to the organization, as an array: the map's markers read
   * those problems' points by id (problems_map_id_idx) instead of testing every point of the viewport.
   */
  addressedProblems(organization: string | { id: number }): Expression<number[]>;
  /** The tables latestStatus and addressedTo read: what a listing keeps of its cards is made again when this process writes one (core/db/kept-reads.ts). */
  listingReads: readonly TableName[];
  /** The tables forProblem, byIds and signatureCount read: what a problem's page keeps for its readers is made again when this process writes one. */
  pageReads: readonly TableName[];
}

/** An organization holding a problem «на контроль», as its badge names it. */
export interface ProblemController {
  name: string;
  slug: string;
}

/** What the service cabinet adds to problems: the organizations holding them «на контроль», and the officials' own section of the page. */
export interface ProblemOfficials {
  /** The organizations holding each of these problems «на контроль», by name (one query for a whole listing). */
  controls(ctx: AppContext, problemIds: readonly number[]): Promise<Map<number, ProblemController[]>>;
  /** The tables `controls` reads (core/db/kept-reads.ts). */
  controlsReads: readonly TableName[];
  /** The section an official sees on the problem's page (take it «на контроль», commit to help), or null for anyone else. */
  section(ctx: AppContext, request: FastifyRequest, problem: { id: number; status: string }): Promise<PageSection | null>;
}

export interface ProblemPorts {
  appeals: ProblemAppeals;
  officials: ProblemOfficials;
  /** One appeal of the chain on the problem page. */
  AppealCard(props: { appeal: ProblemAppeal }): VNode;
}

declare module '../../core/context.ts' {
  interface Ports {
    problems: ProblemPorts;
  }
}
