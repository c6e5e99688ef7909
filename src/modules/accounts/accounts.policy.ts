import type { UserRole } from '../../core/db/schema.ts';
import { definePolicy } from '../../core/policy.ts';
import { blockRefusal, roleChangeRefusal } from './accounts.rules.ts';

type UserSubject = { id: number; role: UserRole };

declare module '../../core/policy.ts' {
  interface Policies {
    'account.register': { who: 'anonymous' };
    'account.login': { who: 'anyone' };
    'account.logout': { who: 'anyone' };
    'account.recover': { who: 'anyone' };
    'account.verify': { who: 'anyone' };
    'account.manage': { who: 'signedIn' };
    /** Find people and read an account's page, e-mail and all: admins (a moderator blocks from the block page, which shows the public name only). */
    'user.list': { who: 'admin' };
    'user.block': { who: 'moderator'; subject: UserSubject };
    'user.role': { who: 'admin'; subject: { user: UserSubject; role: UserRole } };
  }
}

definePolicy('account.register', 'anonymous');
definePolicy('account.login', 'anyone');
definePolicy('account.logout', 'anyone');
definePolicy('account.recover', 'anyone');
definePolicy('account.verify', 'anyone');
definePolicy('account.manage', 'signedIn');
definePolicy('user.list', 'admin');
definePolicy('user.block', 'moderator', blockRefusal);
definePolicy('user.role', 'admin', (actor, { user, role }) => roleChangeRefusal(actor, user, role));
