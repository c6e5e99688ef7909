import type { Notification } from '../../core/db/schema.ts';
import { definePolicy } from '../../core/policy.ts';

declare module '../../core/policy.ts' {
  interface Policies {
    /** One's own list; nobody reads another person's notifications, admins included. */
    'notification.list': { who: 'signedIn' };
    'notification.read': { who: 'signedIn'; subject: Pick<Notification, 'user_id'> };
    'notification.preferences': { who: 'signedIn' };
    /** The signed token in the link is the proof: a mail client's one-click POST has no session. */
    'notification.unsubscribe': { who: 'anyone' };
  }
}

definePolicy('notification.list', 'signedIn');
// Somebody else's notification does not exist for this reader.
definePolicy('notification.read', 'signedIn', (actor, notification) => (notification.user_id === actor.id ? null : 'not_found'));
definePolicy('notification.preferences', 'signedIn');
definePolicy('notification.unsubscribe', 'anyone');
