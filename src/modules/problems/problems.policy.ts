import type { Problem } from '../../core/db/schema.ts';
import { anyone, definePolicy, signedIn, verifiedCitizen } from '../../core/policy.ts';

definePolicy('problem.view', anyone);
definePolicy('problem.create', verifiedCitizen);
definePolicy('problem.follow', signedIn);
definePolicy('comment.create', verifiedCitizen);
/**
 * The gate of routes whose real rule needs the record or a verified e-mail (edit, mark solved,
 * publish, comment): anonymous requests stop here with 401; the service then asks the exact policy
 * with the problem, so an unverified citizen hears `email_not_verified` and a stranger `forbidden`.
 */
definePolicy('problem.contribute', signedIn);
const isAuthor = (actor: { id: number } | null, subject: unknown) => actor !== null && (subject as Problem | undefined)?.author_id === actor.id;
definePolicy('problem.update', (actor, subject) => isAuthor(actor, subject) && (subject as Problem).status === 'open');
definePolicy('problem.markSolved', (actor, subject) => isAuthor(actor, subject));
