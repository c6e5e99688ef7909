/**
 * The XSS corpus (issue 9): every payload of test/security/xss-payloads.ts goes into every field a
 * citizen, an author or an admin can write (through the same services the routes call), and every
 * page that shows those fields is rendered in Chromium — once under the app's content security
 * policy, once with it bypassed, so that escaping is what is tested and not only the policy.
 * Zero executions (an `__xss` binding, alert/confirm/prompt replaced, the dialog hook), no payload
 * element in the DOM, no CSP violation, and each page shows the payloads as text.
 */

import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/core/audit.ts';
import type { Appeal, Organization, Problem, User } from '../../src/core/db/schema.ts';
import { ValidationError } from '../../src/core/errors.ts';
import { blockUser, createApiToken, updateProfile } from '../../src/modules/accounts/accounts.service.ts';
import { rateAnswer } from '../../src/modules/answers/answers.review.ts';
import { decideLetter, processInbound, receiveInbound } from '../../src/modules/answers/answers.service.ts';
import { uploadAnswer } from '../../src/modules/answers/answers.upload.ts';
import { commentOnAmendment, decideAmendment, proposeAmendment } from '../../src/modules/appeals/appeals.amendments.ts';
import { extendAnswer } from '../../src/modules/appeals/appeals.cabinet.ts';
import { forwardAppeal } from '../../src/modules/appeals/appeals.forwarding.ts';
import { replyAddress } from '../../src/modules/appeals/appeals.reply-address.ts';
import { joinDraft, restoreRevision, saveDraftText, setDraftShared } from '../../src/modules/appeals/appeals.revisions.ts';
import { createAppeal, openForSignatures, recordSelfSent, withdrawAppeal } from '../../src/modules/appeals/appeals.service.ts';
import { invalidateSignatures } from '../../src/modules/appeals/appeals.signature-moderation.ts';
import { sign } from '../../src/modules/appeals/appeals.signing.ts';
import { publishDraft, returnDraft, saveDraft, saveTemplate, submitDraft } from '../../src/modules/cabinet/cabinet.answers.ts';
import { statementOnProblem, takeControl } from '../../src/modules/cabinet/cabinet.control.ts';
import { issueDocument } from '../../src/modules/cabinet/cabinet.documents.ts';
import { saveView } from '../../src/modules/cabinet/cabinet.inbox.ts';
import { updateLetterhead } from '../../src/modules/cabinet/cabinet.letterhead.ts';
import { decideMembership, requestMembership, updateSettings } from '../../src/modules/cabinet/cabinet.members.ts';
import { messageMaxLength } from '../../src/modules/cabinet/cabinet.threads.rules.ts';
import { answerBroadcast, replyAsCitizen, replyAsOrganization, writeToCitizen, writeToSigners } from '../../src/modules/cabinet/cabinet.threads.ts';
import { createToken } from '../../src/modules/cabinet/cabinet.tokens.ts';
import { addDraftComment } from '../../src/modules/drafting/drafting.comments.ts';
import { appealDecision, decide, report as reportContent } from '../../src/modules/moderation/moderation.service.ts';
import { createOrganization, updateCategory } from '../../src/modules/organizations/organizations.service.ts';
import { addComment, createProblem, follow, markSolved, renameCategoryInSearch, renameTerritoryInSearch } from '../../src/modules/problems/problems.service.ts';
import { updateTerritory } from '../../src/modules/territories/territories.service.ts';
import { corpusWord, payloadBatches, xssPayloads } from '../security/xss-payloads.ts';
import type { TestApp } from '../support/app.ts';
import { chromiumAvailable, screenshot, useBrowserApp } from '../support/browser.ts';
import { actorOf, addMember, categoryId, createUser, defaultMunicipality, sessionCookieFor, verifiedCitizen } from '../support/factories.ts';

/** Who browses which pages. */
const cookies: Record<'visitor' | 'author' | 'signer' | 'admin' | 'official' | 'applicant', string | null> = {
  visitor: null,
  author: null,
  signer: null,
  admin: null,
  official: null,
  applicant: null,
};
const pages: { who: keyof typeof cookies; url: string }[] = [];
/** Not a page load: the publish form typed into (see publishForm). */
const publishFormStep = '/problems/new#typed';
/** Looked at by a person: the escaped payloads should read as text. */
const screenshotPages = new Set<string>();
/** Field → how many stored records carry payloads, and how many payload strings were refused by validation. */
const fields = new Map<string, { records: number; payloads: number; refused: number }>();
let problemTitles: string[] = [];
let municipalityId = 0;

function countField(name: string, stored: number, payloads: number, refused = 0): void {
  const entry = fields.get(name) ?? { records: 0, payloads: 0, refused: 0 };
  fields.set(name, { records: entry.records + stored, payloads: entry.payloads + payloads, refused: entry.refused + refused });
}

function payloadsIn(text: string): number {
  return xssPayloads.filter((payload) => text.includes(payload.text.slice(0, 12))).length;
}

/** Resolves to true when the service accepted it, false when its validation refused it (a 4xx at the route). */
async function accepted(run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (error) {
    if (error instanceof ValidationError) return false;
    throw error;
  }
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const validAddress = '170100, г. Тверь, ул. Советская, д. 1';
const allPayloads = [corpusWord, ...xssPayloads.map((payload) => payload.text)].join('\n\n');

/** Stores the corpus in every field, through the services, before the app listens. */
/** The accounts blocked with a corpus batch as the reason. */
const blockedIds: number[] = [];
/** The municipalities renamed with a corpus batch (the administrator's territory form), by OKTMO. */
const renamedTerritories: string[] = [];

async function storeCorpus(t: TestApp): Promise<void> {
  const started = Date.now();
  const ctx = t.ctx;
  const territoryId = await defaultMunicipality(ctx);
  municipalityId = territoryId;
  // Territory names (the administrator's territory form): other territories than the default one take the corpus
  // as their names and English names; the territories' index and their regions' pages list them, their own show them.
  const territoryNames = payloadBatches(300);
  // Municipalities first (the test database holds few), then federal subjects, never the default one or its region.
  const { parent_id: regionId } = await ctx.db.selectFrom('territories').select('parent_id').where('id', '=', territoryId).executeTakeFirstOrThrow();
  const others = await ctx.db
    .selectFrom('territories')
    .select(['oktmo', 'time_zone'])
    .where('id', 'not in', [territoryId, ...(regionId === null ? [] : [regionId])])
    .orderBy('level', 'desc')
    .orderBy('oktmo')
    .limit(territoryNames.length)
    .execute();
  if (others.length < territoryNames.length) throw new Error('the XSS corpus needs more territories beside the default one for the territory names');
  for (const [k, name] of territoryNames.entries()) {
    const other = others[k]!;
    await updateTerritory(ctx, 0, other.oktmo, { name, nameEn: name, okato: '', timeZone: other.time_zone ?? '' }, renameTerritoryInSearch);
    renamedTerritories.push(other.oktmo);
  }
  countField('territory name (Russian and English)', territoryNames.length, payloadsIn(territoryNames.join('')));
  const roads = await categoryId(ctx);
  const author = await verifiedCitizen(ctx, { surname: 'Авторова', firstName: 'Алла' });
  const signer = await verifiedCitizen(ctx);
  const admin = await createUser(ctx, { role: 'admin' });
  // The audit log shows each entry's details (a reason, values before and after) as an admin wrote them.
  const auditBatches = payloadBatches(1000);
  for (const batch of auditBatches) {
    await audit(ctx.db, {
      actorId: admin.id,
      action: 'xss.corpus',
      subjectType: 'test',
      subjectId: batch.slice(0, 100),
      details: { reason: batch, value: batch },
    });
  }
  countField('audit_log.details', auditBatches.length, xssPayloads.length);
  // A block's reason is shown to admins on the person's page and to moderators on the unblock page.
  for (const batch of auditBatches) {
    const blocked = await verifiedCitizen(ctx);
    await blockUser(ctx.db, { actorId: admin.id, userId: blocked.id, reason: batch });
    blockedIds.push(blocked.id);
  }
  countField('block reason', auditBatches.length, xssPayloads.length);

  // Profile: names allow letters only, so the corpus is refused there; what a name can hold instead
  // (fullwidth letters, homoglyphs of «script») is what the public name shows. The address takes the corpus.
  const profile = { surname: signer.surname, firstName: signer.first_name, patronymic: '', municipalityId: territoryId, locale: 'ru' as const };
  let refusedNames = 0;
  for (const payload of xssPayloads) {
    for (const field of ['surname', 'firstName', 'patronymic'] as const) {
      if (!(await accepted(() => updateProfile(ctx, signer.id, { ...profile, [field]: payload.text, postalAddress: validAddress })))) refusedNames += 1;
    }
  }
  countField('profile names', 0, xssPayloads.length * 3, refusedNames);
  // A postal address needs a postcode, a settlement and a house number; the payloads follow them.
  const profileAddress = `${validAddress}, ${payloadBatches(500 - validAddress.length - 2)[0]!}`;
  const signerUser: User = await updateProfile(ctx, signer.id, { ...profile, surname: 'Ｓｃｒｉｐｔ', firstName: 'Ѕсrірt', postalAddress: profileAddress });
  countField('profile names', 1, 0);
  countField('profile postal address', 1, payloadsIn(profileAddress));

  // Organizations (the admin's form): name, address, description and website.
  const organizationNames = payloadBatches(500);
  const organizations: Organization[] = [];
  let refusedWebsites = 0;
  for (const [k, name] of organizationNames.entries()) {
    const input = {
      name,
      slug: `xss-${k}`,
      kind: 'municipal_administration' as const,
      territoryId,
      parentId: null,
      appealEmail: `xss-${k}@example.test`,
      postalAddress: name,
      website: 'https://example.com/"><img data-xss src=x onerror="__xss(\'w01\')">',
      appealThreshold: 1,
      description: allPayloads.slice(0, 5000),
      jurisdictions: [{ territoryId, categoryIds: [] }],
    };
    if (k === 0) {
      for (const payload of xssPayloads.filter((candidate) => candidate.kind === 'url')) {
        if (!(await accepted(() => createOrganization(ctx, admin.id, { ...input, slug: 'xss-url', website: payload.text })))) refusedWebsites += 1;
      }
    }
    organizations.push(await createOrganization(ctx, admin.id, input));
  }
  countField('organization name', organizations.length, payloadsIn(organizationNames.join('')));
  countField('organization postal address', organizations.length, payloadsIn(organizationNames.join('')));
  countField('organization description', organizations.length, payloadsIn(allPayloads.slice(0, 5000)));
  countField('organization website', organizations.length, xssPayloads.filter((payload) => payload.kind === 'url').length + 1, refusedWebsites);

  // Problems: title and address in batches, the whole corpus as the description, each on the map.
  problemTitles = payloadBatches(200);
  const problems: Problem[] = [];
  for (const [k, title] of problemTitles.entries()) {
    problems.push(
      await createProblem(ctx, actorOf(author), {
        title,
        description: allPayloads,
        categoryId: roads,
        territoryId,
        address: title,
        latitude: 56.8 + k * 0.01,
        longitude: 35.9 + (k % 5) * 0.01,
      }),
    );
  }
  countField('problem title', problems.length, payloadsIn(problemTitles.join('')));
  countField('problem address', problems.length, payloadsIn(problemTitles.join('')));
  countField('problem description', problems.length, xssPayloads.length);
  const first = problems[0]!;

  // Comments (Markdown): one per payload, so each Markdown trick is parsed alone, and one with all of them.
  for (const payload of xssPayloads) await addComment(ctx, actorOf(signer), first.id, { body: `${corpusWord} ${payload.text}`, parentId: null });
  await addComment(ctx, actorOf(author), first.id, { body: allPayloads, parentId: null });
  countField('comment body', xssPayloads.length + 1, xssPayloads.length);

  // Appeals: title in batches, the corpus as the text. The first reaches its threshold of one (dispatched:
  // the letter in the outbox, «sent» notifications); the second is withdrawn after a signature; the last stays a draft.
  const appealTitles = payloadBatches(300);
  const appeals: Appeal[] = [];
  for (const [k, title] of appealTitles.entries()) {
    const organization = organizations[k % organizations.length]!;
    const appeal = await createAppeal(ctx, actorOf(author), problems[k]!.id, { organizationId: organization.id, title, text: allPayloads });
    if (k < appealTitles.length - 1) await openForSignatures(ctx, actorOf(author), appeal.id, { acknowledgeWarnings: true });
    appeals.push(appeal);
  }
  countField('appeal title', appeals.length, payloadsIn(appealTitles.join('')));
  countField('appeal text', appeals.length, xssPayloads.length);
  // Co-writing: the last appeal stays a draft; its author shares it, the signer joins and saves the corpus as Markdown
  // (each payload its own paragraph, so each is parsed alone), then the author restores revision 1.
  const coWritten = appeals.at(-1)!;
  await setDraftShared(ctx, actorOf(author), coWritten.id, true);
  await joinDraft(ctx, actorOf(signerUser), coWritten.id);
  await saveDraftText(ctx, actorOf(signerUser), coWritten.id, {
    markdown: xssPayloads.map((payload) => `${corpusWord} ${payload.text}`).join('\n\n'),
    baseRevision: 1,
  });
  // The discussion of the draft: one thread per payload on a passage of it, each answered with the payload again.
  for (const payload of xssPayloads) {
    const thread = await addDraftComment(ctx, actorOf(signerUser), coWritten.id, { passage: corpusWord, body: payload.text, parentId: null });
    await addDraftComment(ctx, actorOf(author), coWritten.id, { passage: '', body: `${corpusWord} ${payload.text}`, parentId: thread.id });
  }
  await restoreRevision(ctx, actorOf(author), coWritten.id, 1);
  countField('draft text (co-written)', 2, xssPayloads.length);
  countField('draft discussion (thread and reply)', xssPayloads.length * 2, xssPayloads.length);
  const signatureAddress = `${validAddress}, ${payloadBatches(500 - validAddress.length - 2)[1]!}`;
  let refusedFullNames = 0;
  for (const payload of xssPayloads) {
    if (
      !(await accepted(() =>
        sign(ctx, actorOf(signerUser), appeals[0]!.id, {
          fullName: payload.text,
          postalAddress: signatureAddress,
          consentTransfer: true,
          consentPublicName: true,
        }),
      ))
    )
      refusedFullNames += 1;
  }
  countField('signature full name', 0, xssPayloads.length, refusedFullNames);
  for (const appeal of appeals.slice(0, -1)) {
    if (appeal.id === appeals[0]!.id && refusedFullNames < xssPayloads.length) continue;
    await sign(ctx, actorOf(signerUser), appeal.id, {
      fullName: 'Ｓｃｒｉｐｔ Ѕсrірt',
      postalAddress: signatureAddress,
      consentTransfer: true,
      consentPublicName: true,
    });
  }
  countField('signature postal address', appeals.length - 1, payloadsIn(signatureAddress));
  countField('signature public name', appeals.length - 1, 0);
  await withdrawAppeal(ctx, actorOf(author), appeals[1]!.id);
  const solved = problems.at(-1)!;
  await follow(ctx, actorOf(signer), solved.id, true);
  // The note on how it was solved: on the problem page, its timeline, the signers' notifications and their mail.
  const solvedNote = payloadBatches(1000)[0]!;
  await markSolved(ctx, actorOf(author), solved.id, { note: solvedNote });
  countField('solved note', 1, payloadsIn(solvedNote));

  // A topic's names (an administrator's): in every filter, form and problem card of that topic.
  const topicNames = payloadBatches(100);
  await updateCategory(ctx, admin.id, 'roads', { nameRu: topicNames[0]!, nameEn: topicNames[1] ?? topicNames[0]!, position: null }, renameCategoryInSearch);
  countField('topic name', 1, payloadsIn(topicNames.slice(0, 2).join('')));

  // API token names (at most 20 a person).
  const tokenNames = payloadBatches(100).slice(0, 20);
  for (const name of tokenNames) await createApiToken(ctx, signer.id, name);
  countField('API token name', tokenNames.length, payloadsIn(tokenNames.join('')));

  // Notifications are written by jobs: the dispatch (appeal.sent), the withdrawal and the solved problem.
  const kinds = await waitFor(async () => {
    const rows = await ctx.db.selectFrom('notifications').select('kind').where('user_id', '=', signer.id).execute();
    const seen = new Set(rows.map((row) => row.kind));
    return seen.has('appeal.sent') && seen.has('appeal.withdrawn') && seen.has('problem.solved') ? [...seen] : undefined;
  }, 60_000);
  countField('notification texts (titles, organization names)', kinds.length, payloadsIn(problemTitles.join('') + appealTitles.join('')));
  const outbox = await ctx.db.selectFrom('mail_messages').select('id').orderBy('id', 'desc').limit(3).execute();

  // Letters back from the addressee of the sent appeal: one the author marks the answer (public), one left
  // pending (the author's), and one to a forged address (the admins' unmatched list) — the corpus in the
  // subject, the sender's name, the text and the attachment's file name.
  const sentAppeal = appeals[0]!;
  const letterSubjects = payloadBatches(400);
  const inbound = async (to: string, k: number) => {
    const raw = await new MailComposer({
      from: { name: letterSubjects[(k + 1) % letterSubjects.length]!.slice(0, 200), address: 'priemnaya@example.test' },
      to,
      subject: letterSubjects[k % letterSubjects.length]!,
      text: allPayloads,
      attachments: [
        { filename: `${xssPayloads[k % xssPayloads.length]!.text.slice(0, 80)}.pdf`, content: Buffer.from('%PDF-1.4'), contentType: 'application/pdf' },
      ],
    })
      .compile()
      .build();
    const id = await receiveInbound(ctx, { channel: 'smtp', raw, envelopeTo: [to] });
    await processInbound(ctx, id);
    return ctx.db.selectFrom('appeal_letters').select('id').where('inbound_message_id', '=', id).executeTakeFirst();
  };
  const reply = replyAddress(sentAppeal.id, ctx.config.secret, ctx.config.inboundMailDomain!);
  const answer = await inbound(reply, 0);
  await decideLetter(ctx, actorOf(author), sentAppeal.id, answer!.id, 'answer');
  // The answer's review: a signer's and the author's public comments under it.
  const ratingComments = payloadBatches(2000);
  await rateAnswer(ctx, actorOf(signerUser), sentAppeal.id, { score: 2, solved: 'no', comment: ratingComments[0]! });
  await rateAnswer(ctx, actorOf(author), sentAppeal.id, { score: 3, solved: 'partly', comment: ratingComments[1] ?? ratingComments[0]! });
  countField('answer rating comment', 2, payloadsIn(ratingComments.slice(0, 2).join('')));
  // Moderation: a comment with the corpus, reported with the corpus as the details (the queue, the case page, the
  // report form); another hidden with a payload reason (public in its place, in the author's notification), the
  // author's appeal of it and the administrator's answer (the author's page, the administrators' list).
  const moderator = await createUser(ctx, { role: 'moderator', surname: 'Модераторская', firstName: 'Мила' });
  const reportDetails = payloadBatches(1000);
  const commentBodies = payloadBatches(1000);
  const reportedComment = await addComment(ctx, actorOf(author), first.id, { body: commentBodies[0]!, parentId: null });
  for (const [k, reporter] of [signer, admin].entries()) {
    await reportContent(ctx, actorOf(reporter), {
      subjectType: 'comment',
      subjectId: reportedComment.id,
      reason: 'other',
      details: reportDetails[k] ?? reportDetails[0]!,
    });
  }
  countField('report details', 2, payloadsIn(reportDetails.slice(0, 2).join('')));
  const hiddenComment = await addComment(ctx, actorOf(author), first.id, { body: commentBodies[1] ?? commentBodies[0]!, parentId: null });
  await reportContent(ctx, actorOf(signer), { subjectType: 'comment', subjectId: hiddenComment.id, reason: 'abuse', details: '' });
  const moderationCases = await ctx.db.selectFrom('moderation_cases').select('id').orderBy('id').execute();
  const [reportedCase, hiddenCase] = moderationCases.map((row) => row.id) as [number, number];
  const decisionReasons = payloadBatches(500);
  await decide(ctx, actorOf(moderator), { caseIds: [hiddenCase], decision: 'hide', reason: decisionReasons[0]! });
  const appealTexts = payloadBatches(2000);
  await appealDecision(ctx, actorOf(author), hiddenCase, { text: appealTexts[0]! });
  countField('moderation decision reason (public) and the author’s appeal', 2, payloadsIn(decisionReasons[0]! + appealTexts[0]!));
  // A report about the comment's author, made through it, with the corpus as its details (the person's case page).
  await reportContent(ctx, actorOf(signer), {
    subjectType: 'comment',
    subjectId: reportedComment.id,
    target: 'author',
    reason: 'other',
    details: reportDetails[2] ?? reportDetails[0]!,
  });
  const personCase = (
    await ctx.db.selectFrom('moderation_cases').select('id').where('subject_type', '=', 'user').where('subject_id', '=', author.id).executeTakeFirstOrThrow()
  ).id;
  countField('report details about a person', 1, payloadsIn(reportDetails[2] ?? reportDetails[0]!));
  // Flagged signatures: a throwaway mailbox signs the last collecting appeal (flagged, on the moderators' pages with the
  // payload titles); the moderator invalidates the signer's signature there with a payload reason (the signer's
  // notification and mail, the audit log).
  const flaggedAppeal = appeals.at(-2)!;
  if (appeals.length < 6) throw new Error('the XSS corpus needs a collecting appeal past the paper answers for the flagged signatures');
  const throwaway = await verifiedCitizen(ctx, { surname: 'Одноразова', firstName: 'Ольга', email: `xss-throwaway-${process.pid}@mailinator.com` });
  await sign(ctx, actorOf(throwaway), flaggedAppeal.id, {
    fullName: 'Ｓｃｒｉｐｔ Ѕсrірt',
    postalAddress: signatureAddress,
    consentTransfer: true,
    consentPublicName: false,
  });
  const invalidationReasons = payloadBatches(1000);
  const signersSignature = await ctx.db
    .selectFrom('signatures')
    .select('id')
    .where('appeal_id', '=', flaggedAppeal.id)
    .where('user_id', '=', signer.id)
    .executeTakeFirstOrThrow();
  await invalidateSignatures(ctx, actorOf(moderator), flaggedAppeal.id, [Number(signersSignature.id)], invalidationReasons[0]!);
  countField('signature invalidation reason (the signer’s notification and mail, the audit log)', 1, payloadsIn(invalidationReasons[0]!));
  await inbound(reply, 1);
  await inbound(`appeal-${sentAppeal.id}-0000000000000000@${ctx.config.inboundMailDomain}`, 2);
  countField('letters from addressees (subject, sender, text, attachment name)', 3, xssPayloads.length);
  // Amendments of a collecting appeal the signer signed (to an addressee with a threshold of five, so that it still
  // collects): each reason batch proposed with the corpus as the text, the corpus as the first one's comments, each
  // rejected with its reason batch but the last, which is accepted, so the signer's page asks him to sign the new
  // version with his name and address filled in.
  const amendOrganization = await createOrganization(ctx, admin.id, {
    name: 'Адресат поправок (XSS)',
    slug: 'xss-amendments',
    kind: 'municipal_administration',
    territoryId,
    parentId: null,
    appealEmail: 'xss-amendments@example.test',
    postalAddress: '',
    website: '',
    appealThreshold: 5,
    description: '',
    jurisdictions: [{ territoryId, categoryIds: [] }],
  });
  const amendedAppeal = await createAppeal(ctx, actorOf(author), problems[4]!.id, {
    organizationId: amendOrganization.id,
    title: appealTitles[0]!,
    text: allPayloads,
  });
  await openForSignatures(ctx, actorOf(author), amendedAppeal.id, { acknowledgeWarnings: true });
  await sign(ctx, actorOf(signerUser), amendedAppeal.id, {
    fullName: 'Ｓｃｒｉｐｔ Ѕсrірt',
    postalAddress: signatureAddress,
    consentTransfer: true,
    consentPublicName: true,
  });
  const commenters = [author, ...(await Promise.all([1, 2, 3, 4].map(() => verifiedCitizen(ctx))))];
  const amendmentReasons = payloadBatches(2000);
  for (const [k, reason] of amendmentReasons.entries()) {
    const amendment = await proposeAmendment(ctx, actorOf(signerUser), amendedAppeal.id, {
      text: xssPayloads.map((payload) => `${corpusWord} ${k} ${payload.text}`).join('\n\n'),
      reason,
    });
    // One person writes at most 20 comments under an amendment: the corpus is written by several.
    if (k === 0)
      for (const [i, payload] of xssPayloads.entries())
        await commentOnAmendment(ctx, actorOf(commenters[i % commenters.length]!), amendedAppeal.id, amendment.number, payload.text);
    await decideAmendment(ctx, actorOf(author), amendedAppeal.id, amendment.number, { accept: k === amendmentReasons.length - 1, reason });
  }
  countField('amendment text', amendmentReasons.length, xssPayloads.length);
  countField('amendment reason and decision reason', amendmentReasons.length * 2, payloadsIn(amendmentReasons.join('')));
  countField('amendment comment', xssPayloads.length, xssPayloads.length);
  // Paper answers: one the author uploads to a self-sent appeal, one an admin publishes on the body's behalf —
  // the corpus as the text, a payload batch as the outgoing number.
  const outgoingNumbers = payloadBatches(100);
  // Their appeals go to an addressee with a threshold of five: at the corpus's threshold of one the platform would
  // start sending them itself, racing the author's «sent by me» (the dispatch job starts about when the signature lands).
  const paperOrganization = await createOrganization(ctx, admin.id, {
    name: 'Адресат бумажных ответов (XSS)',
    slug: 'xss-paper',
    kind: 'municipal_administration',
    territoryId,
    parentId: null,
    appealEmail: 'xss-paper@example.test',
    postalAddress: '',
    website: '',
    appealThreshold: 5,
    description: '',
    jurisdictions: [{ territoryId, categoryIds: [] }],
  });
  const paperAppeals: Appeal[] = [];
  for (const k of [2, 3]) {
    const paper = await createAppeal(ctx, actorOf(author), problems[k]!.id, {
      organizationId: paperOrganization.id,
      title: appealTitles[k]!,
      text: allPayloads,
    });
    await openForSignatures(ctx, actorOf(author), paper.id, { acknowledgeWarnings: true });
    await sign(ctx, actorOf(signerUser), paper.id, {
      fullName: 'Ｓｃｒｉｐｔ Ѕсrірt',
      postalAddress: signatureAddress,
      consentTransfer: true,
      consentPublicName: true,
    });
    paperAppeals.push(paper);
  }
  for (const [k, paper] of paperAppeals.entries()) {
    await recordSelfSent(ctx, actorOf(author), paper.id, { sentOn: new Date(), registrationNumber: '' });
    await uploadAnswer(ctx, actorOf(k === 0 ? author : admin), paper.id, k === 0 ? 'author' : 'admin', {
      text: allPayloads,
      outgoingNumber: outgoingNumbers[k % outgoingNumbers.length]!,
      outgoingDate: null,
      files: [],
    });
  }
  countField('paper answers (text, outgoing number)', paperAppeals.length, xssPayloads.length);

  // The service cabinet of an organization whose name carries payloads: the official's position (on the timeline,
  // which names officials there), a request to join (position, note) and its refusal's reason, templates, an
  // extension's reason (public), an answer written in the cabinet (public, Markdown), a return's reason, a saved view.
  const cabinetOrganization = organizations[1]!;
  const official = await verifiedCitizen(ctx, { surname: 'Служебная', firstName: 'Соня' });
  const positions = payloadBatches(200);
  await addMember(ctx, cabinetOrganization, official, 'head', positions[0]!);
  const head = actorOf(official, { memberships: new Map([[cabinetOrganization.id, 'head']]) });
  await updateSettings(ctx, head, cabinetOrganization.slug, { answersNeedApproval: false, showOfficialNames: true });
  countField('official position', 1, payloadsIn(positions[0]!));
  const applicant = await verifiedCitizen(ctx, { surname: 'Заявкова', firstName: 'Злата' });
  const notes = payloadBatches(1000);
  const request = await requestMembership(ctx, actorOf(applicant), cabinetOrganization.slug, { position: positions[1] ?? positions[0]!, note: notes[0]! });
  const pendingApplicant = await verifiedCitizen(ctx, { surname: 'Ожидающая', firstName: 'Ольга' });
  await requestMembership(ctx, actorOf(pendingApplicant), cabinetOrganization.slug, { position: positions[2] ?? positions[0]!, note: notes[1] ?? notes[0]! });
  await decideMembership(ctx, actorOf(admin), request.id, { approve: false, role: '', reason: notes[2] ?? notes[0]! });
  countField('membership request (position, note, decision reason)', 2, payloadsIn(positions.slice(1, 3).join('') + notes.slice(0, 3).join('')));
  const templateTitles = payloadBatches(200);
  const templates = [];
  for (const [k, title] of templateTitles.slice(0, 3).entries())
    templates.push(
      await saveTemplate(ctx, head, cabinetOrganization, null, { title, body: allPayloads.slice(k * 5000, k * 5000 + 20_000) || allPayloads.slice(0, 20_000) }),
    );
  countField('answer template (title, text)', templates.length, payloadsIn(templateTitles.slice(0, 3).join('') + allPayloads.slice(0, 20_000)));
  const cabinetAppeals: Appeal[] = [];
  for (const k of [1, 2]) {
    const appeal = await createAppeal(ctx, actorOf(author), problems[appeals.length + k]!.id, {
      organizationId: cabinetOrganization.id,
      title: appealTitles[k]!,
      text: allPayloads,
    });
    await openForSignatures(ctx, actorOf(author), appeal.id, { acknowledgeWarnings: true });
    await sign(ctx, actorOf(signerUser), appeal.id, {
      fullName: 'Ｓｃｒｉｐｔ Ѕсrірt',
      postalAddress: signatureAddress,
      consentTransfer: true,
      consentPublicName: true,
    });
    await recordSelfSent(ctx, actorOf(author), appeal.id, { sentOn: new Date(), registrationNumber: '' });
    cabinetAppeals.push(appeal);
  }
  const [answeredInCabinet, returnedInCabinet] = cabinetAppeals as [Appeal, Appeal];
  const reasons = payloadBatches(2000);
  await extendAnswer(ctx, head, cabinetOrganization.id, answeredInCabinet.id, { days: 10, reason: reasons[0]! });
  countField('extension reason', 1, payloadsIn(reasons[0]!));
  // The letterhead: its lines and signature block on its page, and on the answers printed on it.
  const letterheadLines = payloadBatches(200);
  await updateLetterhead(ctx, head, cabinetOrganization, {
    headerLines: letterheadLines.slice(0, 6),
    signaturePosition: letterheadLines[6] ?? letterheadLines[0]!,
    signatureName: letterheadLines[7] ?? letterheadLines[0]!,
  });
  countField('letterhead (header lines, signature block)', 1, payloadsIn(letterheadLines.slice(0, 8).join('')));
  const cabinetAnswer = allPayloads.slice(0, 20_000);
  await saveDraft(ctx, head, cabinetOrganization, answeredInCabinet.id, {
    text: cabinetAnswer,
    outgoingNumber: outgoingNumbers[0]!,
    outgoingDate: '',
    files: [],
    removeAttachments: [],
  });
  await publishDraft(ctx, head, cabinetOrganization, answeredInCabinet.id);
  countField('cabinet answer (Markdown text, outgoing number)', 1, payloadsIn(cabinetAnswer));
  await saveDraft(ctx, head, cabinetOrganization, returnedInCabinet.id, {
    text: cabinetAnswer,
    outgoingNumber: '',
    outgoingDate: '',
    files: [],
    removeAttachments: [],
  });
  await submitDraft(ctx, head, cabinetOrganization, returnedInCabinet.id);
  await returnDraft(ctx, head, cabinetOrganization, returnedInCabinet.id, reasons[1] ?? reasons[0]!);
  countField('cabinet answer draft and its return reason', 1, payloadsIn(reasons[1] ?? reasons[0]!));
  // An appeal forwarded to the competent body: its reason is public (both appeals' pages, the timeline, the cabinet).
  const toForward = await createAppeal(ctx, actorOf(author), problems[appeals.length + 1]!.id, {
    organizationId: cabinetOrganization.id,
    title: appealTitles[1]!,
    text: allPayloads,
  });
  await openForSignatures(ctx, actorOf(author), toForward.id, { acknowledgeWarnings: true });
  await sign(ctx, actorOf(signerUser), toForward.id, {
    fullName: 'Ｓｃｒｉｐｔ Ѕсrірt',
    postalAddress: signatureAddress,
    consentTransfer: true,
    consentPublicName: true,
  });
  await recordSelfSent(ctx, actorOf(author), toForward.id, { sentOn: new Date(), registrationNumber: '' });
  const forwardingReason = reasons[2] ?? reasons[0]!;
  const { next: forwardedTo } = await forwardAppeal(ctx, head, cabinetOrganization.id, toForward.id, {
    organizationId: organizations[0]!.id,
    reason: forwardingReason,
  });
  countField('forwarding reason', 1, payloadsIn(forwardingReason));
  // The organization takes the problem «на контроль» (its name, with payloads, as the badge in listings and on the page)
  // and commits publicly to help, with the corpus as its statement.
  const statements = payloadBatches(5000);
  await takeControl(ctx, head, cabinetOrganization, problems[appeals.length + 1]!.id);
  await statementOnProblem(ctx, head, cabinetOrganization, problems[appeals.length + 1]!.id, { text: statements[0]! });
  countField('organization statement on a problem', 1, payloadsIn(statements[0]!));
  // A document on the letterhead about that problem: its title, addressee, number and text on its public page, in the
  // cabinet's list and on the problem's timeline.
  const documentTitle = payloadBatches(300)[0]!;
  const documentAddressee = payloadBatches(90).slice(0, 5).join('\n');
  const documentNumber = payloadBatches(100)[0]!;
  const documentText = allPayloads.slice(0, 20_000);
  const document = await issueDocument(ctx, head, cabinetOrganization, problems[appeals.length + 1]!.id, {
    title: documentTitle,
    addressee: documentAddressee,
    outgoingNumber: documentNumber,
    text: documentText,
  });
  countField('document on the letterhead (title, addressee, number, text)', 1, payloadsIn(documentTitle + documentAddressee + documentNumber + documentText));
  const viewNames = payloadBatches(100);
  for (const name of viewNames.slice(0, 5)) await saveView(ctx, head, cabinetOrganization, { name, query: `q=${encodeURIComponent(name)}` });
  countField('saved view name', 5, payloadsIn(viewNames.slice(0, 5).join('')));
  // The organization's API tokens: their names on the head's page and its revocation page, and in the audit log.
  const organizationTokenNames = payloadBatches(100).slice(0, 20);
  const organizationTokens = [];
  for (const name of organizationTokenNames) organizationTokens.push(await createToken(ctx, head, cabinetOrganization, { name, scopes: ['read'] }));
  countField('organization API token name', organizationTokenNames.length, payloadsIn(organizationTokenNames.join('')));
  // Messages between the organization and citizens: the official's to the author and the author's answers, the message
  // to all signers and a signer's private answer (Markdown bodies, rendered sanitized on both sides' pages).
  const messageBodies = payloadBatches(messageMaxLength).slice(0, 8);
  const { thread } = await writeToCitizen(ctx, head, cabinetOrganization, { appealId: answeredInCabinet.id }, { body: messageBodies[0]!, channel: 'site' });
  for (const [index, body] of messageBodies.slice(1).entries()) {
    if (index % 2 === 0) await replyAsCitizen(ctx, actorOf(author), thread.id, { body, channel: 'site' });
    else await replyAsOrganization(ctx, head, cabinetOrganization, thread.id, { body, channel: 'site' });
  }
  const broadcast = await writeToSigners(ctx, head, cabinetOrganization, answeredInCabinet.id, { body: messageBodies[0]!, channel: 'site' });
  const signerThread = (await answerBroadcast(ctx, actorOf(signerUser), broadcast.id, { body: messageBodies.at(-1)!, channel: 'site' })).thread;
  countField('cabinet messages (official’s and citizen’s, to all signers, a signer’s answer)', messageBodies.length + 2, payloadsIn(messageBodies.join('')));

  cookies.author = await sessionCookieFor(ctx, author);
  cookies.signer = await sessionCookieFor(ctx, signer);
  cookies.admin = await sessionCookieFor(ctx, admin);
  cookies.official = await sessionCookieFor(ctx, official);
  cookies.applicant = await sessionCookieFor(ctx, applicant);
  const cabinetBase = `/cabinet/${cabinetOrganization.slug}`;
  screenshotPages.add(`/problems/${first.id}`).add(`/appeals/${appeals[0]!.id}`);
  const searchQuery = encodeURIComponent(problemTitles[0]!);
  pages.push(
    { who: 'official', url: `${cabinetBase}/letterhead` },
    { who: 'visitor', url: '/' },
    { who: 'visitor', url: '/problems' },
    { who: 'visitor', url: `/problems?q=${corpusWord}` },
    { who: 'visitor', url: `/problems?q=${searchQuery}` },
    { who: 'visitor', url: '/problems/map' },
    { who: 'visitor', url: '/territories/28701000' },
    { who: 'visitor', url: '/territories/28000000' },
    { who: 'visitor', url: '/territories' },
    ...renamedTerritories.map((oktmo) => ({ who: 'visitor' as const, url: `/territories/${oktmo}` })),
    ...renamedTerritories.slice(0, 1).map((oktmo) => ({ who: 'admin' as const, url: `/admin/territories/${oktmo}/edit` })),
    { who: 'visitor', url: '/organizations' },
    // The league table names the organizations with an answered appeal (the sent one's addressee).
    { who: 'visitor', url: '/ratings' },
    ...organizations.map((organization) => ({ who: 'visitor' as const, url: `/organizations/${organization.slug}` })),
    ...problems.map((problem) => ({ who: 'visitor' as const, url: `/problems/${problem.id}` })),
    ...appeals.slice(0, -1).map((appeal) => ({ who: 'visitor' as const, url: `/appeals/${appeal.id}` })),
    { who: 'signer', url: `/appeals/${appeals[2]!.id}` },
    { who: 'visitor', url: `/appeals/${amendedAppeal.id}/amendments` },
    { who: 'visitor', url: `/appeals/${amendedAppeal.id}/amendments/1` },
    { who: 'author', url: `/appeals/${amendedAppeal.id}/amendments/1` },
    { who: 'signer', url: `/appeals/${amendedAppeal.id}/amendments/new` },
    { who: 'signer', url: `/appeals/${amendedAppeal.id}` },
    { who: 'visitor', url: `/appeals/${amendedAppeal.id}` },
    { who: 'visitor', url: `/appeals/${amendedAppeal.id}/history/compare?from=1&to=2` },
    { who: 'signer', url: `/problems/${first.id}` },
    { who: 'signer', url: '/notifications' },
    { who: 'signer', url: '/account' },
    { who: 'signer', url: '/account/tokens' },
    { who: 'signer', url: '/account/notifications' },
    { who: 'author', url: `/problems/${first.id}/edit` },
    { who: 'author', url: publishFormStep },
    { who: 'author', url: `/appeals/${appeals.at(-1)!.id}` },
    { who: 'author', url: `/appeals/${appeals.at(-1)!.id}/edit` },
    { who: 'author', url: `/appeals/${appeals.at(-1)!.id}/draft` },
    { who: 'visitor', url: `/appeals/${appeals.at(-1)!.id}/draft` },
    { who: 'signer', url: `/appeals/${appeals.at(-1)!.id}/draft` },
    { who: 'visitor', url: `/appeals/${appeals.at(-1)!.id}/history` },
    { who: 'visitor', url: `/appeals/${appeals.at(-1)!.id}/history/compare?from=1&to=2` },
    { who: 'visitor', url: `/appeals/${appeals.at(-1)!.id}/history/compare?from=2&to=3` },
    { who: 'visitor', url: `/appeals/${appeals[0]!.id}/history` },
    // A problem without an appeal, open: the new-appeal form lists every organization's name.
    { who: 'author', url: `/problems/${problems[appeals.length]!.id}/appeals/new` },
    { who: 'author', url: `/appeals/${sentAppeal.id}` },
    { who: 'signer', url: `/appeals/${sentAppeal.id}/rating` },
    { who: 'admin', url: '/admin/inbound-mail' },
    { who: 'admin', url: '/admin/outbox' },
    { who: 'admin', url: '/admin/audit?action=xss.corpus' },
    ...blockedIds.flatMap((id) => [
      { who: 'admin' as const, url: `/admin/users/${id}` },
      { who: 'admin' as const, url: `/admin/users/${id}/unblock` },
    ]),
    // The filter's values come back in its fields.
    ...payloadBatches(200).map((batch) => ({
      who: 'admin' as const,
      url: `/admin/audit?actor=${encodeURIComponent(batch)}&text=${encodeURIComponent(batch)}`,
    })),
    ...outbox.map((message) => ({ who: 'admin' as const, url: `/admin/outbox/${message.id}` })),
    { who: 'official', url: '/cabinet' },
    { who: 'official', url: `${cabinetBase}?state=all` },
    { who: 'official', url: `${cabinetBase}?q=${encodeURIComponent(viewNames[0]!)}` },
    { who: 'official', url: `${cabinetBase}/appeals/${answeredInCabinet.id}` },
    { who: 'official', url: `${cabinetBase}/appeals/${returnedInCabinet.id}` },
    { who: 'official', url: `${cabinetBase}/appeals/${toForward.id}` },
    { who: 'visitor', url: `/appeals/${toForward.id}` },
    { who: 'visitor', url: `/appeals/${forwardedTo.id}` },
    { who: 'official', url: `${cabinetBase}/register?ids=${returnedInCabinet.id}` },
    { who: 'official', url: `${cabinetBase}/members` },
    { who: 'official', url: `${cabinetBase}/documents` },
    { who: 'visitor', url: `/documents/${document.id}` },
    { who: 'official', url: `${cabinetBase}/templates` },
    { who: 'official', url: `${cabinetBase}/tokens` },
    { who: 'official', url: `${cabinetBase}/messages` },
    { who: 'official', url: `${cabinetBase}/messages/${thread.id}` },
    { who: 'official', url: `${cabinetBase}/messages/${signerThread.id}` },
    { who: 'official', url: `${cabinetBase}/appeals/${answeredInCabinet.id}/messages` },
    { who: 'author', url: '/messages' },
    { who: 'author', url: `/messages/${thread.id}` },
    { who: 'signer', url: `/messages/broadcasts/${broadcast.id}` },
    { who: 'signer', url: `/messages/${signerThread.id}` },
    ...organizationTokens.slice(0, 2).map((token) => ({ who: 'official' as const, url: `${cabinetBase}/tokens/${token.id}/revoke` })),
    ...templates.map((template) => ({ who: 'official' as const, url: `${cabinetBase}/templates/${template.id}` })),
    { who: 'visitor', url: `/appeals/${answeredInCabinet.id}` },
    { who: 'visitor', url: `/problems/${problems[appeals.length + 1]!.id}` },
    { who: 'signer', url: '/notifications' },
    { who: 'applicant', url: `/organizations/${cabinetOrganization.slug}/join` },
    { who: 'admin', url: '/admin/memberships' },
    ...paperAppeals.map((paper) => ({ who: 'visitor' as const, url: `/appeals/${paper.id}` })),
    { who: 'admin', url: '/admin/categories' },
    { who: 'admin', url: '/admin/categories/roads/edit' },
    { who: 'admin', url: '/moderation' },
    { who: 'admin', url: `/moderation/cases/${reportedCase}` },
    { who: 'admin', url: `/moderation/cases/${hiddenCase}` },
    { who: 'admin', url: `/moderation/cases/${personCase}` },
    { who: 'signer', url: `/report/comment/${reportedComment.id}/author` },
    { who: 'admin', url: '/moderation/appeals' },
    { who: 'admin', url: '/moderation/signatures' },
    { who: 'admin', url: `/moderation/signatures/${appeals.at(-2)!.id}` },
    { who: 'author', url: '/moderation/mine' },
    { who: 'author', url: '/notifications' },
    { who: 'signer', url: `/report/comment/${reportedComment.id}` },
    // Every organization's form: each payload once inside an input's value.
    ...organizations.map((organization) => ({ who: 'admin' as const, url: `/admin/organizations/${organization.slug}/edit` })),
  );
  console.log(`XSS corpus stored in ${Date.now() - started} ms`);
}

const e2e = useBrowserApp({
  env: { MAP_TILE_URL: 'https://tiles.democrator.test/{z}/{x}/{y}.png', INBOUND_MAIL_DOMAIN: 'reply.democrator.test' },
  seed: storeCorpus,
  setupTimeoutMs: 240_000,
});

interface Watch {
  context: BrowserContext;
  page: Page;
  executions: string[];
  violations: string[];
}

/** A browser context that reports every execution of a payload and every CSP violation. */
async function watchedContext(cookie: string | null, bypassCSP: boolean): Promise<Watch> {
  const page = await e2e.newPage({ cookie, bypassCSP, locale: 'ru-RU', timeoutMs: 20_000 });
  const context = page.context();
  await context.route('https://tiles.democrator.test/**', (route) => route.fulfill({ status: 404, body: '' }));
  await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.fulfill({ status: 404, body: '' }));
  const watch: Watch = { context, page, executions: [], violations: [] };
  await context.exposeBinding('__xss', (source, id: unknown) => {
    watch.executions.push(`${String(id)} at ${source.frame.url()}`);
  });
  await context.addInitScript(() => {
    const w = window as unknown as Record<string, unknown> & { __xss: (id: string) => void; __violations: string[] };
    for (const name of ['alert', 'confirm', 'prompt', 'print']) {
      w[name] = (message?: unknown) => {
        w.__xss(`${name}(${String(message)})`);
        return null;
      };
    }
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (event) =>
      w.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample} ${event.sourceFile}:${event.lineNumber}`),
    );
  });
  watch.page.on('dialog', (dialog) => {
    watch.executions.push(`dialog ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  watch.page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) watch.violations.push(message.text());
  });
  return watch;
}

/** Payload elements in a document (the app's own markup has none of these). */
function domFindings(): string[] {
  const found: string[] = [];
  const show = (el: Element) => el.outerHTML.slice(0, 160);
  const roots: ParentNode[] = [document];
  for (const template of document.querySelectorAll('template')) roots.push(template.content);
  for (const frame of document.querySelectorAll('iframe')) if (frame.contentDocument) roots.push(frame.contentDocument);
  for (const root of roots) {
    for (const el of root.querySelectorAll('*')) {
      if (el.hasAttribute('data-xss')) found.push(`payload element: ${show(el)}`);
      for (const attribute of el.attributes) {
        const name = attribute.name.toLowerCase();
        const value = attribute.value;
        if (name.startsWith('on')) found.push(`event handler ${name}: ${show(el)}`);
        if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'srcdoc', 'poster', 'background'].includes(name)) {
          // The scheme as the browser resolves it (it strips tabs, newlines and leading controls first).
          let scheme = '';
          try {
            scheme = new URL(value, document.baseURI).protocol;
          } catch {}
          if (['javascript:', 'vbscript:', 'data:'].includes(scheme)) found.push(`${name} with a ${scheme} URL: ${show(el)}`);
        }
        if (name === 'srcdoc') found.push(`srcdoc: ${show(el)}`);
        if (name === 'style' && /expression|javascript:|url\(\s*['"]?(?!https:\/\/tiles)/i.test(value)) found.push(`style injection: ${show(el)}`);
      }
      const tag = el.tagName.toLowerCase();
      if (['iframe', 'object', 'embed', 'base', 'frame', 'frameset', 'applet', 'math'].includes(tag)) found.push(`${tag} element: ${show(el)}`);
      if (tag === 'meta' && el.getAttribute('http-equiv')?.toLowerCase() === 'refresh') found.push(`meta refresh: ${show(el)}`);
      if ((tag === 'script' || tag === 'style') && /__xss|alert\(|javascript:/.test(el.textContent ?? '')) found.push(`${tag} with the marker: ${show(el)}`);
      if (tag === 'script' && (el as HTMLScriptElement).src && !(el as HTMLScriptElement).src.startsWith(location.origin))
        found.push(`foreign script: ${show(el)}`);
    }
  }
  return found;
}

interface Visit {
  url: string;
  status: number | undefined;
  shown: boolean;
  findings: string[];
  violations: string[];
}

async function visit(watch: Watch, url: string): Promise<Visit> {
  const response = await watch.page.goto(`${e2e.baseUrl}${url}`, { waitUntil: 'load' });
  if (url === '/problems/map') await watch.page.locator('[data-map="markers"] path.leaflet-interactive').first().waitFor();
  // One round trip: the findings, the text (with form values) and the page's CSP violations.
  const seen = await watch.page.evaluate(`({
    findings: (${domFindings.toString()})(),
    text: document.body.textContent + [...document.querySelectorAll('input, textarea')].map((el) => el.value).join(' '),
    violations: window.__violations.splice(0),
  })`);
  const { findings, text, violations: inPage } = seen as { findings: string[]; text: string; violations: string[] };
  const landed = watch.page.url();
  if (landed !== new URL(url, e2e.baseUrl).href) findings.push(`navigated away to ${landed}`);
  const violations = [...watch.violations, ...inPage];
  watch.violations.length = 0;
  return { url, status: response?.status(), shown: text.includes(corpusWord) || /Ｓｃｒｉｐｔ|Ѕсrірt/.test(text), findings, violations };
}

/** Every marker's tooltip and popup on the map, opened: each must be the title as text. */
async function mapOverlays(watch: Watch): Promise<{ shown: string[]; popups: string[]; findings: string[] }> {
  const { page } = watch;
  const markers = page.locator('[data-map="markers"] path.leaflet-interactive');
  const shown: string[] = [];
  const popups: string[] = [];
  const findings: string[] = [];
  const count = await markers.count();
  for (let i = 0; i < count; i++) {
    const tooltip = page.locator('.leaflet-tooltip');
    await markers.nth(i).dispatchEvent('mouseover');
    await expect.poll(() => tooltip.count()).toBe(1);
    shown.push((await tooltip.textContent()) ?? '');
    await markers.nth(i).dispatchEvent('click');
    const popup = page.locator('.leaflet-popup-content a');
    await expect.poll(() => popup.count()).toBe(1);
    popups.push((await popup.textContent()) ?? '');
    findings.push(...(await page.evaluate(domFindings)));
    // A click opens the tooltip too (Leaflet's touch behaviour); the pointer leaving closes it.
    await markers.nth(i).dispatchEvent('mouseout');
    await expect.poll(() => tooltip.count()).toBe(0);
  }
  return { shown, popups, findings };
}

/**
 * The publish form, typed into by the author: the island lists similar problems (payload titles) as
 * the title is typed, and the server re-renders the refused form with what was typed (a reflection).
 */
async function publishForm(watch: Watch): Promise<Visit[]> {
  const { page } = watch;
  await page.goto(`${e2e.baseUrl}/problems/new`);
  await page.selectOption('select[name="territoryId"]', String(municipalityId));
  await page.fill('input[name="address"]', problemTitles[1] ?? corpusWord);
  await page.fill('textarea[name="description"]', '<b>');
  await page.fill('input[name="title"]', problemTitles[0]!);
  await page.locator('[data-similar-live] li').first().waitFor();
  const similar = await page.evaluate(domFindings);
  const shownSimilar = (await page.locator('[data-similar-live] li a').allTextContents()).includes(problemTitles[0]!);
  const [response] = await Promise.all([page.waitForNavigation(), page.locator('form[data-module="problem-form"] button').last().click()]);
  const refused = await page.evaluate(domFindings);
  const values = await page.evaluate(() => [...document.querySelectorAll('input')].map((input) => input.value));
  const inPage = await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
  const violations = [...watch.violations, ...inPage];
  watch.violations.length = 0;
  return [
    { url: '/problems/new (similar problems)', status: 200, shown: shownSimilar, findings: similar, violations: [] },
    {
      url: '/problems/new (refused, re-rendered)',
      // A refused form answers 4xx with the form again.
      status: response && response.status() >= 400 && response.status() < 500 ? 200 : response?.status(),
      shown: values.includes(problemTitles[0]!) && values.includes(problemTitles[1] ?? corpusWord),
      findings: refused,
      violations,
    },
  ];
}

const report: string[] = [];

describe.skipIf(!chromiumAvailable)('the XSS corpus in every writable field', () => {
  // Each run visits every page above (165) and opens every map tooltip and popup: longer than the browser suite's
  // default test timeout (two minutes) on a loaded machine.
  for (const bypassCSP of [false, true]) {
    it(`runs nowhere and leaves no payload element, ${bypassCSP ? 'with the CSP bypassed' : 'under the CSP'}`, async () => {
      const started = Date.now();
      const watches = new Map<string, Watch>();
      const visits: Visit[] = [];
      let overlays = { shown: [] as string[], popups: [] as string[], findings: [] as string[] };
      for (const { who, url } of pages) {
        let watch = watches.get(who);
        if (!watch) {
          watch = await watchedContext(cookies[who], bypassCSP);
          watches.set(who, watch);
        }
        if (url === publishFormStep) {
          visits.push(...(await publishForm(watch)));
          continue;
        }
        visits.push(await visit(watch, url));
        if (url === '/problems/map') {
          overlays = await mapOverlays(watch);
          // Violations while the tooltips and popups were open belong to the map.
          const inPage = await watch.page.evaluate(() => (window as unknown as { __violations: string[] }).__violations.splice(0));
          visits.at(-1)!.violations.push(...watch.violations.splice(0), ...inPage);
        }
        if (!bypassCSP && screenshotPages.has(url)) await screenshot(watch.page, `xss-corpus${url.replaceAll('/', '-')}`);
      }
      // The feed, as text and as a document: well-formed, its titles the problems' titles, no XHTML in it.
      const visitor = watches.get('visitor')!;
      const feeds = ['/problems.atom', `/problems.atom?q=${encodeURIComponent(problemTitles[1] ?? corpusWord)}`];
      const feedFindings: string[] = [];
      for (const feed of feeds) {
        const xml = await (await fetch(`${e2e.baseUrl}${feed}`)).text();
        const parsed = await visitor.page.evaluate((text) => {
          const doc = new DOMParser().parseFromString(text, 'application/xml');
          return {
            error: doc.querySelector('parsererror')?.textContent ?? null,
            xhtml: doc.getElementsByTagNameNS('http://www.w3.org/1999/xhtml', '*').length,
            titles: [...doc.getElementsByTagNameNS('http://www.w3.org/2005/Atom', 'entry')].map(
              (entry) => entry.getElementsByTagNameNS('http://www.w3.org/2005/Atom', 'title')[0]?.textContent ?? '',
            ),
          };
        }, xml);
        if (parsed.error) feedFindings.push(`${feed}: not well-formed: ${parsed.error}`);
        if (parsed.xhtml > 0) feedFindings.push(`${feed}: ${parsed.xhtml} XHTML elements`);
        if (feed === '/problems.atom') expect(problemTitles.filter((title) => !parsed.titles.includes(title))).toEqual([]);
        await visitor.page.goto(`${e2e.baseUrl}${feed}`);
        feedFindings.push(...(await visitor.page.evaluate(domFindings)).map((finding) => `${feed}: ${finding}`));
      }
      const executions = [...watches.values()].flatMap((watch) => watch.executions);
      for (const watch of watches.values()) await watch.context.close();

      const findings = [
        ...visits.flatMap((v) => v.findings.map((finding) => `${v.url}: ${finding}`)),
        ...overlays.findings.map((f) => `map overlay: ${f}`),
        ...feedFindings,
      ];
      const violations = visits.flatMap((v) => v.violations.map((violation) => `${v.url}: ${violation}`));
      const pageCount = visits.length + feeds.length;
      const payloadFields = [...fields.entries()].filter(([, entry]) => entry.payloads > entry.refused);
      report.push(
        `${bypassCSP ? 'CSP bypassed' : 'CSP on'}: ${xssPayloads.length} payloads × ${payloadFields.length} fields (${[...fields.entries()]
          .map(([name, entry]) => `${name}: ${entry.records} records, ${entry.payloads} payloads tried, ${entry.refused} refused`)
          .join(
            '; ',
          )}) × ${pageCount} pages (+${overlays.shown.length} map tooltips and popups): ${executions.length} executions, ${findings.length} DOM findings, ${violations.length} CSP violations, in ${Date.now() - started} ms`,
      );
      console.log(report.at(-1));

      expect(findings).toEqual([]);
      expect(visits.filter((v) => v.status !== 200).map((v) => `${v.url} ${v.status}`)).toEqual([]);
      expect(visits.filter((v) => !v.shown).map((v) => v.url)).toEqual([]);
      expect(executions).toEqual([]);
      expect(findings).toEqual([]);
      expect(violations).toEqual([]);
      expect(problemTitles.filter((title) => !overlays.shown.includes(title))).toEqual([]);
      expect(problemTitles.filter((title) => !overlays.popups.includes(title))).toEqual([]);
    }, 300_000);
  }
});
