import { definePolicy } from '../../core/policy.ts';

declare module '../../core/policy.ts' {
  interface Policies {
    'territory.view': { who: 'anyone' };
    'territory.import': { who: 'admin' };
    'territory.edit': { who: 'admin' };
  }
}

definePolicy('territory.view', 'anyone');
definePolicy('territory.import', 'admin');
definePolicy('territory.edit', 'admin');
