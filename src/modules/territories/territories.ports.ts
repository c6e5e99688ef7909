/**
 * What the territories module needs from modules above it (see Ports in core/context.ts): the territory
 * page shows the problems and the organizations of a territory, but problems and organizations import
 * territories, never the other way round. They render their own section; src/app.ts plugs them in.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { Territory } from '../../core/db/schema.ts';
import type { PageSection } from '../../core/views/page-section.ts';
import type { PlacesRenamed } from './territories.service.ts';

export interface TerritoryPorts {
  /** The problems of the territory (a region's include its municipalities'). */
  problemsSection(ctx: AppContext, request: FastifyRequest, territory: Territory): Promise<PageSection>;
  /** The organizations located in the territory. */
  organizationsSection(ctx: AppContext, request: FastifyRequest, territory: Territory): Promise<PageSection>;
  /** Territories were renamed or moved (an import): their problems are found by the new place words. */
  placesRenamed: PlacesRenamed;
}

declare module '../../core/context.ts' {
  interface Ports {
    territories: TerritoryPorts;
  }
}
