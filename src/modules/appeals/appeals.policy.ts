import type { Appeal } from '../../core/db/schema.ts';
import { anyone, definePolicy, signedIn, verifiedCitizen } from '../../core/policy.ts';

const isAuthor = (actor: { id: number } | null, subject: unknown) => actor !== null && (subject as Appeal | undefined)?.author_id === actor.id;

definePolicy('appeal.view', anyone);
/** Only the problem's author starts its appeals (the problem is the subject). */
definePolicy(
  'appeal.create',
  (actor, subject) => actor?.emailVerified === true && (subject as { author_id: number | null } | undefined)?.author_id === actor.id,
);
definePolicy('appeal.manage', (actor, subject) => isAuthor(actor, subject));
definePolicy('appeal.sign', verifiedCitizen);
definePolicy('appeal.mySignature', signedIn);
