import { admin, definePolicy } from '../../core/policy.ts';

definePolicy('admin.view', admin);
definePolicy('admin.outbox', admin);
definePolicy('admin.audit', admin);
