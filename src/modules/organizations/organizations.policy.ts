import { definePolicy } from '../../core/policy.ts';

declare module '../../core/policy.ts' {
  interface Policies {
    'organization.view': { who: 'anyone' };
    'organization.manage': { who: 'admin' };
    'category.view': { who: 'anyone' };
    /** Add a topic, rename it, move it in the lists. */
    'category.manage': { who: 'admin' };
  }
}

definePolicy('organization.view', 'anyone');
definePolicy('organization.manage', 'admin');
definePolicy('category.view', 'anyone');
definePolicy('category.manage', 'admin');
