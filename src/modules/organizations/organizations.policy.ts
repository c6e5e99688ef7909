import { admin, anyone, definePolicy } from '../../core/policy.ts';

definePolicy('organization.view', anyone);
definePolicy('organization.manage', admin);
definePolicy('category.view', anyone);
