/**
 * Leaflet maps, an enhancement only: without JavaScript every map is hidden and the page shows the
 * same information as text (the list of problems, the coordinates, the latitude/longitude fields).
 * - [data-map="markers"]: problems from a JSON endpoint, each a marker linking to its page;
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

interface Marker {
  id: number;
  title: string;
  status: string;
  latitude: number;
  longitude: number;
  url: string;
}

async function markersMap(holder: HTMLElement): Promise<void> {
  const map = createMap(holder);
  const response = await fetch(holder.dataset.markers ?? '', { headers: { accept: 'application/json' } });
  if (!response.ok) return;
  const { items } = (await response.json()) as { items: Marker[] };
  const bounds: L.LatLngTuple[] = [];
  for (const item of items) {
    const point: L.LatLngTuple = [item.latitude, item.longitude];
    bounds.push(point);
    const link = document.createElement('a');
    link.href = `/problems/${item.id}`;
    link.textContent = item.title;
    circle(point, statusColors[item.status] ?? statusColors.open ?? '#1849a9')
      .bindPopup(link)
      .bindTooltip(textElement(item.title))
      .addTo(map);
  }
  if (bounds.length === 1) map.setView(bounds[0] as L.LatLngTuple, 14);
  else if (bounds.length > 1) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
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
