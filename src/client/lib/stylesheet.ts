/**
 * Shared code of the browser islands. scripts/build-client.ts bundles each file directly in
 * src/client/ as an island of its own; files in this folder are only imported by them.
 */

/** Adds an island's stylesheet (built beside its script) to the page once, however often the island starts. */
export function loadStylesheet(href: string, name: string): void {
  if (document.querySelector(`link[data-island-styles="${name}"]`)) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  link.dataset.islandStyles = name;
  document.head.append(link);
}
