import { anyone, definePolicy, signedIn } from '../../core/policy.ts';

definePolicy('account.register', (actor) => actor === null);
definePolicy('account.login', anyone);
definePolicy('account.logout', anyone);
definePolicy('account.recover', anyone);
definePolicy('account.verify', anyone);
definePolicy('account.manage', signedIn);
