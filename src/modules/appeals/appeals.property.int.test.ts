/**
 * Property-based test of the appeal state machine against the real services and database: any
 * sequence of actions keeps the invariants — one signature per user, no dispatch before the
 * threshold, exactly one dispatch after it, the frozen text never changes, every signature is bound
 * to the frozen text, and no signature lands after the letter was made.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { actorOf, createMunicipality, createOrganization, createProblem, createUser } from '../../../test/support/factories.ts';
import { propertyRuns } from '../../../test/support/tier.ts';
import type { User } from '../../core/db/schema.ts';
import { DomainError } from '../../core/errors.ts';
import * as dispatch from './appeals.dispatch.ts';
import { textSha256 } from './appeals.rules.ts';
import * as appeals from './appeals.service.ts';
import * as signing from './appeals.signing.ts';

let t: TestApp;
let municipalityId: number;
let organizationId: number;
let author: User;
let citizens: User[];
const threshold = 2;

beforeAll(async () => {
  t = await createTestApp({ ROLE: 'web' });
  municipalityId = await createMunicipality(t.ctx, '28000000', '28544000', 'Оленинский муниципальный округ');
  organizationId = (
    await createOrganization(t.ctx, {
      name: 'Администрация Оленинского округа',
      territoryId: municipalityId,
      appealEmail: 'olenino@example.test',
      postalAddress: '',
      appealThreshold: threshold,
      jurisdictions: [],
    })
  ).id;
  author = await createUser(t.ctx, { surname: 'Авторов', firstName: 'Артём' });
  citizens = await Promise.all(['Аристова', 'Белова', 'Веселова', 'Глебова'].map((surname) => createUser(t.ctx, { surname, firstName: 'Дарья' })));
});
afterAll(() => t?.stop());

type Action =
  | { kind: 'revise'; suffix: string }
  | { kind: 'open' }
  | { kind: 'sign'; who: number }
  | { kind: 'unsign'; who: number }
  | { kind: 'checkThreshold' }
  | { kind: 'dispatch' }
  | { kind: 'withdraw' }
  | { kind: 'selfSend' };

// Weighted so that the interesting paths (open, sign past the threshold, withdraw a signature, dispatch) come up often.
const who = fc.nat({ max: 3 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('revise' as const), suffix: fc.string({ minLength: 1, maxLength: 20 }) }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'open' as const }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('sign' as const), who }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('unsign' as const), who }), weight: 3 },
  { arbitrary: fc.constant({ kind: 'checkThreshold' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'dispatch' as const }), weight: 3 },
  { arbitrary: fc.constant({ kind: 'withdraw' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'selfSend' as const }), weight: 1 },
);

const baseText = 'Просим отремонтировать дорогу по улице Октябрьской: ямы глубиной до двадцати сантиметров, автобус объезжает их по встречной полосе.';

async function apply(appealId: number, step: Action): Promise<void> {
  const who = 'who' in step ? (citizens[step.who] as User) : author;
  try {
    switch (step.kind) {
      case 'revise': {
        const latest = await appeals.latestRevision(t.ctx.db, appealId);
        await appeals.reviseAppeal(t.ctx, actorOf(author), appealId, {
          title: 'О ремонте дороги',
          text: `${baseText} ${step.suffix}`,
          organizationId: null,
          baseRevision: latest.number,
        });
        break;
      }
      case 'open':
        await appeals.openForSignatures(t.ctx, actorOf(author), appealId, { acknowledgeWarnings: true });
        break;
      case 'sign':
        await signing.sign(t.ctx, actorOf(who), appealId, {
          fullName: `${who.surname} ${who.first_name}`,
          postalAddress: '172400, Оленино, ул. Мира, д. 1',
          consentTransfer: true,
          consentPublicName: false,
        });
        break;
      case 'unsign':
        await signing.withdrawSignature(t.ctx, actorOf(who), appealId);
        break;
      case 'checkThreshold':
        await signing.checkThreshold(t.ctx, appealId);
        break;
      case 'dispatch':
        await dispatch.dispatchAppeal(t.ctx, appealId);
        break;
      case 'withdraw':
        await appeals.withdrawAppeal(t.ctx, actorOf(author), appealId);
        break;
      case 'selfSend':
        await appeals.recordSelfSent(t.ctx, actorOf(author), appealId, { sentOn: new Date(), registrationNumber: '' });
        break;
    }
  } catch (error) {
    // A refusal is a valid outcome; anything but a domain error is a bug.
    if (!(error instanceof DomainError)) throw error;
  }
}

interface Snapshot {
  frozenRevisionId: number | null;
  frozenHash: string | null;
}

async function checkInvariants(appealId: number, before: Snapshot): Promise<Snapshot> {
  const appeal = await appeals.getAppealRow(t.ctx, appealId);
  const signatures = await t.ctx.db.selectFrom('signatures').selectAll().where('appeal_id', '=', appealId).execute();
  const documents = await t.ctx.db.selectFrom('appeal_documents').selectAll().where('appeal_id', '=', appealId).execute();
  const revisions = await t.ctx.db.selectFrom('appeal_revisions').selectAll().where('appeal_id', '=', appealId).orderBy('number').execute();

  // One signature per user.
  expect(new Set(signatures.map((s) => s.user_id)).size).toBe(signatures.length);
  // Nobody signs a draft; every signature is bound to the frozen text.
  if (signatures.length > 0) {
    expect(appeal.frozen_revision_id).not.toBeNull();
    for (const s of signatures)
      expect({ revision: s.revision_id, hash: s.text_sha256 }).toEqual({ revision: appeal.frozen_revision_id, hash: appeal.text_sha256 });
  }
  // The frozen text never changes, and no revision is added after freezing.
  if (before.frozenRevisionId !== null) {
    expect(appeal.frozen_revision_id).toBe(before.frozenRevisionId);
    expect(appeal.text_sha256).toBe(before.frozenHash);
    expect(revisions.at(-1)?.id).toBe(before.frozenRevisionId);
  }
  if (appeal.frozen_revision_id !== null) {
    const frozen = revisions.find((r) => r.id === appeal.frozen_revision_id);
    expect(appeal.text_sha256).toBe(textSha256(frozen?.text ?? ''));
  }
  // The platform dispatches at most once, only after the threshold, and the letter holds every signature.
  expect(documents.length).toBeLessThanOrEqual(1);
  if (appeal.sent_by === 'platform') {
    expect(appeal.threshold_reached_at).not.toBeNull();
    expect(documents).toHaveLength(1);
    expect(documents[0]?.signatures_count).toBeGreaterThanOrEqual(threshold);
    expect(signatures.length).toBe(documents[0]?.signatures_count);
  } else {
    expect(documents).toHaveLength(0);
  }
  if (appeal.threshold_reached_at === null) expect(appeal.sent_by).not.toBe('platform');
  return { frozenRevisionId: appeal.frozen_revision_id, frozenHash: appeal.text_sha256 };
}

describe('appeal state machine', () => {
  it('keeps its invariants under any sequence of actions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 14 }), async (steps) => {
        const problem = await createProblem(t.ctx, {
          author,
          title: 'Разбитая дорога',
          description: 'Ямы по всей улице Октябрьской.',
          territoryId: municipalityId,
        });
        const appeal = await appeals.createAppeal(t.ctx, actorOf(author), problem.id, { organizationId, title: 'О ремонте дороги', text: baseText });
        let snapshot: Snapshot = { frozenRevisionId: null, frozenHash: null };
        for (const step of steps) {
          await apply(appeal.id, step);
          snapshot = await checkInvariants(appeal.id, snapshot);
        }
        // Once the threshold is recorded, running the dispatch (as many times as pg-boss likes) sends exactly
        // once — unless signers withdrew below the threshold meanwhile, which un-records it.
        const final = await appeals.getAppealRow(t.ctx, appeal.id);
        if (final.threshold_reached_at && final.status === 'collecting') {
          const count = await signing.countSignatures(t.ctx.db, appeal.id);
          await Promise.all([dispatch.dispatchAppeal(t.ctx, appeal.id), dispatch.dispatchAppeal(t.ctx, appeal.id)]);
          const after = await appeals.getAppealRow(t.ctx, appeal.id);
          if (count >= threshold) expect(after.status).toBe('sent');
          else expect({ status: after.status, reached: after.threshold_reached_at }).toEqual({ status: 'collecting', reached: null });
          await checkInvariants(appeal.id, snapshot);
        }
      }),
      // 120 sequences in the full tier (npm test, CI), 30 in the everyday one.
      { numRuns: propertyRuns(120), verbose: 1 },
    );
  }, 240_000);
});
