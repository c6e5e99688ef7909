/**
 * Which routes belong to the service cabinet's own access matrix (src/modules/cabinet/cabinet.access-matrix.int.test.ts),
 * whose actors are the cabinet's (a clerk and the head of organization A, the head of B, …); the site's matrix
 * (src/access-matrix.int.test.ts) covers every other route. Together they have a row for every route.
 */
export function isCabinetRoute(url: string): boolean {
  return (
    url === '/cabinet' ||
    url.startsWith('/cabinet/') ||
    url === '/api/v1/cabinet' ||
    url.startsWith('/api/v1/cabinet/') ||
    url.startsWith('/organizations/:slug/join') ||
    url.startsWith('/admin/memberships') ||
    url === '/api/v1/organizations/:slug/membership-requests' ||
    url.startsWith('/api/v1/membership-requests') ||
    url.startsWith('/api/v1/admin/membership-requests') ||
    // The documents organizations issue on their letterhead: public, but made in the cabinet and read against its actors.
    url.startsWith('/documents/') ||
    url.startsWith('/api/v1/documents/')
  );
}
