/**
 * Leaflet maps, an enhancement only: without JavaScript every map is hidden and the page shows the
 * same information as text (the list of problems, the coordinates, the latitude/longitude fields).
 * - [data-map="markers"]: problems of the viewport from a JSON endpoint, each a marker linking to its page, or
 *   clusters with their counts where there are many (a click zooms in);
 * - [data-map="point"]: one problem's point;
 * - [data-map="picker"]: a click sets the form's latitude and longitude fields (and typing moves the marker).
 * Tiles come from the configured URL (data-tiles); markers are vector circles, so no marker images are needed.
 */
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import { loadStylesheet } from './lib/stylesheet.ts';

const defaultCenter: L.LatLngTuple = [57.3, 37.0];
const defaultZoom = 6;
const statusColors: Record<string, string> = { open: '#1849a9', solved: '#1a7f37', closed: '#505a66' };

function loadStyles(): void {
  loadStylesheet(new URL('./map.css', import.meta.url).href, 'map');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Leaflet inserts a string given to a tooltip or popup as HTML, so a title of `<img onerror>` would
 * be markup. Every user-written text reaches Leaflet as an element whose text is set, never as a string.
 */
function textElement(text: string): HTMLElement {
  const span = document.createElement('span');
  span.textContent = text;
  return span;
}

function createMap(holder: HTMLElement): L.Map {
  holder.hidden = false;
  holder.setAttribute('role', 'region');
  holder.setAttribute('aria-label', holder.dataset.label ?? '');
  const russian = document.documentElement.lang !== 'en';
  const map = L.map(holder, { zoomControl: false, attributionControl: false }).setView(defaultCenter, defaultZoom);
  L.control.zoom({ zoomInTitle: russian ? 'Приблизить' : 'Zoom in', zoomOutTitle: russian ? 'Отдалить' : 'Zoom out' }).addTo(map);
  L.control.attribution({ prefix: false }).addTo(map);
  L.tileLayer(holder.dataset.tiles ?? '', {
    maxZoom: 19,
    attribution: `&copy; <a href="https://www.openstreetmap.org/copyright">${escapeHtml(holder.dataset.attribution ?? 'OpenStreetMap')}</a>`,
  }).addTo(map);
  return map;
}

function circle(latLng: L.LatLngExpression, color: string): L.CircleMarker {
  return L.circleMarker(latLng, { radius: 9, color: '#ffffff', weight: 2, fillColor: color, fillOpacity: 0.95 });
}

interface MarkerPoint {
  id: number;
  title: string;
  status: string;
  latitude: number;
  longitude: number;
}

interface MarkerCluster {
  problems: number;
  latitude: number;
  longitude: number;
  bounds: { west: number; south: number; east: number; north: number };
}

interface Markers {
  items: MarkerPoint[];
  clusters: MarkerCluster[];
  zoom: number;
}

/** A cluster: a round label with its count; a click zooms to its cell, which splits it. */
function clusterMarker(map: L.Map, cluster: MarkerCluster, russian: boolean): L.Marker {
  const label = document.createElement('span');
  label.textContent = cluster.problems.toLocaleString(russian ? 'ru-RU' : 'en-GB');
  // Wide enough for the count's digits (a narrow space groups thousands): 2 digits in 30 px, 7 in 64.
  const size = Math.max(30, Math.min(64, 14 + 7 * label.textContent.length));
  const { west, south, east, north } = cluster.bounds;
  const title = russian ? `Проблем здесь: ${label.textContent}. Приблизить` : `Problems here: ${label.textContent}. Zoom in`;
  return L.marker([cluster.latitude, cluster.longitude], {
    icon: L.divIcon({ html: label, className: 'map-cluster', iconSize: [size, size] }),
    title,
    alt: title,
    keyboard: true,
  }).on('click', () => {
    map.fitBounds([
      [south, west],
      [north, east],
    ]);
  });
}

function pointMarker(point: MarkerPoint): L.CircleMarker {
  const link = document.createElement('a');
  link.href = `/problems/${point.id}`;
  link.textContent = point.title;
  return circle([point.latitude, point.longitude], statusColors[point.status] ?? statusColors.open ?? '#1849a9')
    .bindPopup(link)
    .bindTooltip(textElement(point.title));
}

/**
 * Problems for the map's viewport: the first request has none (the whole map, so the map can fit what there is),
 * then each move asks for the markers of the new viewport and zoom, a moment after the map stops. A marker that
 * stays is kept (an open popup stays open); an answer that arrives after a newer request was sent is dropped.
 */
async function markersMap(holder: HTMLElement): Promise<void> {
  const map = createMap(holder);
  const russian = document.documentElement.lang !== 'en';
  const source = holder.dataset.markers ?? '';
  const shown = new Map<string, L.Layer>();
  let asked = 0;

  const load = async (viewport: string): Promise<Markers | null> => {
    const request = ++asked;
    const url = viewport ? `${source}${source.includes('?') ? '&' : '?'}${viewport}` : source;
    try {
      const response = await fetch(url, { headers: { accept: 'application/json' } });
      if (!response.ok || request !== asked) return null;
      const markers = (await response.json()) as Markers;
      return request === asked ? markers : null;
    } catch {
      return null;
    }
  };
  const draw = (markers: Markers) => {
    const wanted = new Map<string, () => L.Layer>();
    for (const point of markers.items) wanted.set(`p${point.id}`, () => pointMarker(point));
    for (const cluster of markers.clusters)
      wanted.set(`c${markers.zoom}:${cluster.bounds.west},${cluster.bounds.north}:${cluster.problems}`, () => clusterMarker(map, cluster, russian));
    for (const [key, layer] of shown)
      if (!wanted.has(key)) {
        layer.remove();
        shown.delete(key);
      }
    for (const [key, make] of wanted) if (!shown.has(key)) shown.set(key, make().addTo(map));
  };
  const viewport = () => {
    const bounds = map.getBounds();
    const clamp = (value: number, limit: number) => Math.max(-limit, Math.min(limit, value)).toFixed(5);
    let west = bounds.getWest();
    let east = bounds.getEast();
    // A view wider than the world, or across the 180th meridian, asks for the whole width.
    if (east - west >= 360 || west < -180 || east > 180) [west, east] = [-180, 180];
    return `bbox=${[clamp(west, 180), clamp(bounds.getSouth(), 85), clamp(east, 180), clamp(bounds.getNorth(), 85)].join(',')}&zoom=${Math.max(0, Math.min(19, Math.round(map.getZoom())))}`;
  };

  const first = await load('');
  if (!first) return;
  draw(first);
  const positions: L.LatLngTuple[] = [
    ...first.items.map((point): L.LatLngTuple => [point.latitude, point.longitude]),
    ...first.clusters.map((cluster): L.LatLngTuple => [cluster.latitude, cluster.longitude]),
  ];
  if (positions.length === 1) map.setView(positions[0] as L.LatLngTuple, 14);
  else if (positions.length > 1) map.fitBounds(positions, { padding: [30, 30], maxZoom: 15 });
  let timer: ReturnType<typeof setTimeout> | undefined;
  map.on('moveend', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const markers = await load(viewport());
      if (markers) draw(markers);
    }, 300);
  });
}

function pointMap(holder: HTMLElement): void {
  const latitude = Number(holder.dataset.lat);
  const longitude = Number(holder.dataset.lon);
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return;
  const map = createMap(holder);
  map.setView([latitude, longitude], 15);
  circle([latitude, longitude], statusColors.open ?? '#1849a9').addTo(map);
}

function parseCoordinate(value: string): number | null {
  const trimmed = value.trim().replace(',', '.');
  if (!/^[+-]?\d{1,3}(\.\d+)?$/.test(trimmed)) return null;
  return Number(trimmed);
}

function pickerMap(holder: HTMLElement): void {
  const form = holder.closest('form');
  const latitudeInput = form?.querySelector<HTMLInputElement>('input[name="latitude"]');
  const longitudeInput = form?.querySelector<HTMLInputElement>('input[name="longitude"]');
  if (!latitudeInput || !longitudeInput) return;
  const map = createMap(holder);
  let marker: L.CircleMarker | null = null;
  const clear = document.createElement('button');
  clear.type = 'button';
  clear.className = 'button button-secondary button-small map-clear';
  clear.textContent = holder.dataset.clear ?? '×';

  const show = (latitude: number, longitude: number, move: boolean) => {
    if (marker) marker.setLatLng([latitude, longitude]);
    else marker = circle([latitude, longitude], statusColors.open ?? '#1849a9').addTo(map);
    clear.hidden = false;
    if (move) map.setView([latitude, longitude], Math.max(map.getZoom(), 14));
  };
  const fromInputs = (move: boolean) => {
    const latitude = parseCoordinate(latitudeInput.value);
    const longitude = parseCoordinate(longitudeInput.value);
    if (latitude !== null && longitude !== null && Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180) show(latitude, longitude, move);
  };

  clear.hidden = true;
  clear.addEventListener('click', () => {
    latitudeInput.value = '';
    longitudeInput.value = '';
    marker?.remove();
    marker = null;
    clear.hidden = true;
    latitudeInput.focus();
  });
  holder.after(clear);
  map.on('click', (event: L.LeafletMouseEvent) => {
    const { lat, lng } = event.latlng.wrap();
    latitudeInput.value = lat.toFixed(6);
    longitudeInput.value = lng.toFixed(6);
    show(lat, lng, false);
  });
  latitudeInput.addEventListener('change', () => fromInputs(true));
  longitudeInput.addEventListener('change', () => fromInputs(true));
  fromInputs(true);
}

const holders = document.querySelectorAll<HTMLElement>('[data-map]');
if (holders.length > 0) {
  loadStyles();
  for (const holder of holders) {
    const kind = holder.dataset.map;
    if (kind === 'markers') void markersMap(holder);
    else if (kind === 'point') pointMap(holder);
    else if (kind === 'picker') pickerMap(holder);
  }
}
