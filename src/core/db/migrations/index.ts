/** The ordered list of migrations. A new migration is a new file here, never an edit of an old one. */
import type { Migration } from 'kysely/migration';
import * as foundation from './0001-foundation.ts';
import * as problemsAppeals from './0002-problems-appeals.ts';
import * as dispatchInSteps from './0003-dispatch-in-steps.ts';
import * as notifications from './0004-notifications.ts';
import * as organizationMembers from './0006-organization-members.ts';
import * as searchPlaces from './0007-search-places.ts';
import * as tokenScopesAndMailRetries from './0008-token-scopes-and-mail-retries.ts';
import * as signatureAuthorConsent from './0009-signature-author-consent.ts';
import * as pendingPhotos from './0010-pending-photos.ts';
import * as territoryTimeZones from './0011-territory-time-zones.ts';
import * as appealAnswerOverdue from './0012-appeal-answer-overdue.ts';
import * as signatureCounts from './0013-signature-counts.ts';
import * as inboundMail from './0014-inbound-mail.ts';
import * as listedProblemsIndex from './0015-listed-problems-index.ts';
import * as answerReview from './0016-answer-review.ts';
import * as letterAttachments from './0017-letter-attachments.ts';
import * as organizationStats from './0018-organization-stats.ts';
import * as problemSolvedNote from './0019-problem-solved-note.ts';
import * as cabinet from './0020-cabinet.ts';
import * as problemControls from './0022-problem-controls.ts';
import * as inboxIndexes from './0023-inbox-indexes.ts';
import * as webhooks from './0024-webhooks.ts';
import * as moderation from './0025-moderation.ts';
import * as signatureFlags from './0026-signature-flags.ts';
import * as administration from './0027-administration.ts';
import * as blockedAccounts from './0028-blocked-accounts.ts';
import * as organizationMerge from './0029-organization-merge.ts';
import * as siteSettings from './0030-site-settings.ts';
import * as reportedPeople from './0031-reported-people.ts';
import * as problemListings from './0032-problem-listings.ts';
import * as problemMapCells from './0033-problem-map-cells.ts';
import * as appealForwarding from './0034-appeal-forwarding.ts';
import * as problemMapCellsPerCategory from './0035-problem-map-cells-per-category.ts';
import * as coWriting from './0040-co-writing.ts';
import * as draftComments from './0041-draft-comments.ts';
import * as amendments from './0042-amendments.ts';
import * as organizationTokens from './0043-organization-tokens.ts';
import * as supersededSignatureFlags from './0044-superseded-signature-flags.ts';
import * as organizationLetterheads from './0045-organization-letterheads.ts';
import * as amendmentModeration from './0046-amendment-moderation.ts';
import * as letterheadCopies from './0047-letterhead-copies.ts';
import * as namedSignatureCounts from './0048-named-signature-counts.ts';
import * as appealChainIndex from './0049-appeal-chain-index.ts';
import * as addresseeMapIndexes from './0050-addressee-map-indexes.ts';
import * as listedProblemsTerritory from './0051-listed-problems-territory.ts';
import * as messageThreads from './0052-message-threads.ts';
import * as organizationDocuments from './0053-organization-documents.ts';

export const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-problems-appeals': problemsAppeals,
  '0003-dispatch-in-steps': dispatchInSteps,
  '0004-notifications': notifications,
  '0006-organization-members': organizationMembers,
  '0007-search-places': searchPlaces,
  '0008-token-scopes-and-mail-retries': tokenScopesAndMailRetries,
  '0009-signature-author-consent': signatureAuthorConsent,
  '0010-pending-photos': pendingPhotos,
  '0011-territory-time-zones': territoryTimeZones,
  '0012-appeal-answer-overdue': appealAnswerOverdue,
  '0013-signature-counts': signatureCounts,
  '0014-inbound-mail': inboundMail,
  '0015-listed-problems-index': listedProblemsIndex,
  '0016-answer-review': answerReview,
  '0017-letter-attachments': letterAttachments,
  '0018-organization-stats': organizationStats,
  '0019-problem-solved-note': problemSolvedNote,
  '0020-cabinet': cabinet,
  '0022-problem-controls': problemControls,
  '0023-inbox-indexes': inboxIndexes,
  '0024-webhooks': webhooks,
  '0025-moderation': moderation,
  '0026-signature-flags': signatureFlags,
  '0027-administration': administration,
  '0028-blocked-accounts': blockedAccounts,
  '0029-organization-merge': organizationMerge,
  '0030-site-settings': siteSettings,
  '0031-reported-people': reportedPeople,
  '0032-problem-listings': problemListings,
  '0033-problem-map-cells': problemMapCells,
  '0034-appeal-forwarding': appealForwarding,
  '0035-problem-map-cells-per-category': problemMapCellsPerCategory,
  '0040-co-writing': coWriting,
  '0041-draft-comments': draftComments,
  '0042-amendments': amendments,
  '0043-organization-tokens': organizationTokens,
  '0044-superseded-signature-flags': supersededSignatureFlags,
  '0045-organization-letterheads': organizationLetterheads,
  '0046-amendment-moderation': amendmentModeration,
  '0047-letterhead-copies': letterheadCopies,
  '0048-named-signature-counts': namedSignatureCounts,
  '0049-appeal-chain-index': appealChainIndex,
  '0050-addressee-map-indexes': addresseeMapIndexes,
  '0051-listed-problems-territory': listedProblemsTerritory,
  '0052-message-threads': messageThreads,
  '0053-organization-documents': organizationDocuments,
};
