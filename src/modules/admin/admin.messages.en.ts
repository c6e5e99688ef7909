/** English messages of administration: counters, the outbox, the audit log and the municipalities import: exactly the keys of admin.messages.ru.ts. */
import type { EnglishOf } from '../../core/i18n/i18n.ts';
import type { adminRu } from './admin.messages.ru.ts';

export const adminEn: EnglishOf<typeof adminRu> = {
  'admin.title': 'Administration',
  'admin.users': { one: 'user', other: 'users' },
  'admin.organizations': { one: 'organization', other: 'organizations' },
  'admin.territories': { one: 'territory', other: 'territories' },
  'admin.mail': { one: 'e-mail', other: 'e-mails' },
  'admin.outbox': 'Outgoing mail',
  'admin.outboxLead': { one: '{count} message in all.', other: '{count} messages in all.' },
  'admin.mailSmtp': 'sent through SMTP',
  'admin.mailFailed': {
    one: '{count} message could not be sent: the mail server did not accept it and the attempts have stopped. Messages marked “failed” are in the outbox.',
    other: '{count} messages could not be sent: the mail server did not accept them and the attempts have stopped. Messages marked “failed” are in the outbox.',
  },
  'admin.mailOutbox': 'no SMTP configured: mail stays here',
  'admin.mailDate': 'Date',
  'admin.mailTo': 'To',
  'admin.mailSubject': 'Subject',
  'admin.mailStatus': 'Status',
  'admin.mailError': 'Error',
  'admin.audit': 'Audit log',
  'audit.actor': 'Who',
  'audit.action': 'Action',
  'audit.subject': 'Subject',
  'mailStatus.queued': 'queued',
  'mailStatus.sent': 'sent',
  'mailStatus.outbox': 'in outbox',
  'mailStatus.failed': 'failed',
  'import.title': 'Import municipalities',
  'import.lead':
    'A UTF-8 CSV with columns region_oktmo, oktmo, okato, name, kind (municipal_district, municipal_okrug or urban_okrug). The file loads whole or not at all: with any error nothing is written.',
  'import.file': 'CSV file',
  'import.submit': 'Upload',
  'import.progress': 'Import progress',
  'import.done': 'Done: {created} added, {updated} updated.',
  'import.failed': { one: 'Nothing imported: {count} error.', other: 'Nothing imported: {count} errors.' },
  'import.problems': 'Errors in the file',
  'import.line': 'Line',
  'import.column': 'Column',
  'import.problem': 'Problem',
};
