/**
 * What the organizations module needs from modules above it (see Ports in core/context.ts): the
 * organization page lists the problems addressed to it, but problems import organizations (categories,
 * addressees), never the other way round. Problems render that section; src/app.ts plugs it in.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { Organization } from '../../core/db/schema.ts';
import type { PageSection } from '../../core/views/page-section.ts';

export interface OrganizationPorts {
  /** The problems with an appeal to the organization. */
  problemsSection(ctx: AppContext, request: FastifyRequest, organization: Organization): Promise<PageSection>;
  /** The organization's public rating: its parts, its appeals by outcome, the charts (answers.ratings.pages.tsx). */
  ratingSection(ctx: AppContext, request: FastifyRequest, organization: Organization): Promise<PageSection>;
  /**
   * The organization's appeals collecting signatures now, with the threshold each fixed when it opened: the admin
   * form lists them, since a change of the organization's threshold leaves theirs as it is (appeals.queries.ts).
   */
  collectingAppealThresholds(ctx: AppContext, organizationId: number): Promise<{ id: number; title: string; threshold: number }[]>;
}

declare module '../../core/context.ts' {
  interface Ports {
    organizations: OrganizationPorts;
  }
}
