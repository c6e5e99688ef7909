import { definePolicy } from '../../core/policy.ts';

declare module '../../core/policy.ts' {
  interface Policies {
    'admin.view': { who: 'admin' };
    'admin.outbox': { who: 'admin' };
    'admin.audit': { who: 'admin' };
    'admin.settings': { who: 'admin' };
  }
}

definePolicy('admin.view', 'admin');
definePolicy('admin.outbox', 'admin');
definePolicy('admin.audit', 'admin');
definePolicy('admin.settings', 'admin');
