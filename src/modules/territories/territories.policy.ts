import { admin, anyone, definePolicy } from '../../core/policy.ts';

definePolicy('territory.view', anyone);
definePolicy('territory.import', admin);
