/** English messages of answers: exactly the keys of answers.messages.ru.ts. */
import type { EnglishOf } from '../../core/i18n/i18n.ts';
import type { answersRu } from './answers.messages.ru.ts';

export const answersEn: EnglishOf<typeof answersRu> = {
  'letters.title': 'Letters from the addressee',
  'letters.answerTitle': 'The addressee’s answer',
  'letters.receivedOn': 'Received {date}',
  'letters.from': 'from {sender}',
  'letters.source.email': 'came to the appeal’s address',
  'letters.source.author': 'uploaded by the author',
  'letters.source.admin': 'published by an administrator',
  'letters.noText': 'The letter has no text, only attachments.',
  'letters.attachments': 'Attachments',
  'letters.size': '{kb} KB',
  'letters.pendingTitle': { one: '{count} letter came in: is it the answer?', other: '{count} letters came in: is one the answer?' },
  'letters.pendingLead':
    'The letter came to the appeal’s address. Until you mark it, only you (and the moderators) can see it. An answer is published on the appeal page, and the signers and followers are told.',
  'letters.noSubject': 'A letter without a subject',
  'letters.isAnswer': 'This is the answer to the appeal',
  'letters.notAnswer': 'This is not the answer',
  'letters.acknowledgementsTitle': 'Notices from the addressee',
  'letters.acknowledged': 'the addressee confirmed receiving the appeal.',
  'letters.registrationNumberFound': 'The notice gives the registration number',
  'letters.confirmRegistration': 'Record the registration: No. {number} of {date}',
  'letters.notAnswersTitle': { one: '{count} letter marked “not the answer”', other: '{count} letters marked “not the answer”' },
  'flash.answerPublished': 'The answer is published. The signers and followers will be notified.',
  'flash.letterNotAnswer': 'The letter is marked “not the answer” and stays visible to you only.',

  'inbound.title': 'Inbound mail',
  'inbound.lead':
    'Letters that came to the appeals’ addresses. A letter that matches no appeal (a wrong address signature, an unknown appeal or one not sent yet) is attached nowhere and shown only here.',
  'inbound.filter': 'Show letters',
  'inbound.status.unmatched': 'matched no appeal',
  'inbound.status.matched': 'attached to appeals',
  'inbound.status.duplicate': 'duplicates',
  'inbound.status.received': 'not yet processed',
  'inbound.count': { one: '{count} letter', other: '{count} letters' },
  'inbound.received': 'Received',
  'inbound.from': 'From',
  'inbound.to': 'To',
  'inbound.subject': 'Subject',
  'inbound.reason': 'Why it is not attached',
  'inbound.reason.no_reply_address': 'no appeal address',
  'inbound.reason.bad_signature': 'the address signature is wrong (forged or mistyped)',
  'inbound.reason.unknown_appeal': 'no such appeal',
  'inbound.reason.not_sent': 'the appeal has not been sent yet',
  'inbound.reason.malformed': 'the message could not be parsed',
  'inbound.reason.duplicate': 'a repeat of a letter already received',

  'errors.letter_already_decided': 'This letter has already been decided on.',
  'errors.appeal_already_answered': 'The appeal already has an answer: a second one cannot be marked. Mark the letter “not the answer”.',
  'errors.inbound_secret_invalid': 'The inbound mail secret (X-Inbound-Secret header) is wrong or missing.',
};
