import type { VNode } from 'preact';
import type { HeadLink } from './layout.tsx';

/**
 * A part of a page that a module above the page's own renders (the problems on a territory page),
 * with the head links (feeds) it brings. Lets a lower module's page show a higher module's content
 * through a port (core/context.ts) instead of importing upwards.
 */
export interface PageSection {
  content: VNode;
  headLinks?: HeadLink[];
}
