import { definePolicy } from '../../core/policy.ts';

declare module '../../core/policy.ts' {
  interface Policies {
    'account.register': { who: 'anonymous' };
    'account.login': { who: 'anyone' };
    'account.logout': { who: 'anyone' };
    'account.recover': { who: 'anyone' };
    'account.verify': { who: 'anyone' };
    'account.manage': { who: 'signedIn' };
  }
}

definePolicy('account.register', 'anonymous');
definePolicy('account.login', 'anyone');
definePolicy('account.logout', 'anyone');
definePolicy('account.recover', 'anyone');
definePolicy('account.verify', 'anyone');
definePolicy('account.manage', 'signedIn');
