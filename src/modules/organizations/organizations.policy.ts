import { definePolicy } from '../../core/policy.ts';

declare module '../../core/policy.ts' {
  interface Policies {
    'organization.view': { who: 'anyone' };
    'organization.manage': { who: 'admin' };
    'category.view': { who: 'anyone' };
  }
}

definePolicy('organization.view', 'anyone');
definePolicy('organization.manage', 'admin');
definePolicy('category.view', 'anyone');
