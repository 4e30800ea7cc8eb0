/**
 * Events over time, one line per event type, drawn by uPlot (a canvas, ~50 kB, loaded with this
 * module when first needed). The canvas is hidden from assistive technology; the figure's label
 * carries each event's total instead.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { EVENT_LABELS, USAGE_EVENTS } from '@usage-lens/contract';
import { formatCount } from '../format.ts';
import type { EventSeries } from '../usage-data.ts';

const HEIGHT = 240;

/** Colours come from the stylesheet, so they follow light and dark like everything else. */
function palette(el: HTMLElement) {
  const css = getComputedStyle(el);
  const get = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    text: get('--muted', '#666'),
    grid: get('--grid', 'rgba(128,128,128,0.2)'),
    events: Object.fromEntries(USAGE_EVENTS.map((e, i) => [e, get(`--event-${e}`, `hsl(${i * 70} 60% 50%)`)])) as Record<string, string>,
  };
}

const DAY_LABEL = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** 24-hour UTC like the rest of the console: the date at midnight and on day-wide steps, else the hour. */
function axisTime(seconds: number, step: number): string {
  const date = new Date(seconds * 1000);
  if (step >= 86_400 || (date.getUTCHours() === 0 && date.getUTCMinutes() === 0)) return DAY_LABEL.format(date);
  return `${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')}`;
}

function options(el: HTMLElement, width: number): uPlot.Options {
  const colors = palette(el);
  const axis = { stroke: colors.text, grid: { stroke: colors.grid, width: 1 }, ticks: { stroke: colors.grid } };
  return {
    width,
    height: HEIGHT,
    // The console shows UTC throughout, like the usage API's windows.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
    axes: [
      { ...axis, values: (_u, splits, _i, _space, step) => splits.map((t) => axisTime(t, step)) },
      { ...axis, values: (_u, splits) => splits.map((v) => formatCount(v)), size: 60 },
    ],
    series: [
      { label: 'Time (UTC)' },
      ...USAGE_EVENTS.map((e) => ({
        label: EVENT_LABELS[e],
        stroke: colors.events[e],
        width: 2,
        points: { show: false },
        value: (_u: uPlot, v: number | null) => (v === null ? '–' : formatCount(v)),
      })),
    ],
    legend: { live: true },
  };
}

export function EventsChart({ series, label }: { series: EventSeries; label: string }) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data: uPlot.AlignedData = [series.times, ...USAGE_EVENTS.map((e) => series.byEvent[e])];
  const dataRef = useRef(data);
  dataRef.current = data;

  // One chart per mounted figure; rebuilt only when the colour scheme changes.
  useEffect(() => {
    const el = holder.current!;
    const build = () => {
      plot.current?.destroy();
      plot.current = new uPlot(options(el, Math.max(300, el.clientWidth)), dataRef.current, el);
    };
    build();
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(300, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', build);
    return () => {
      resize.disconnect();
      scheme.removeEventListener('change', build);
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(data);
    // `data` is rebuilt every render from `series`; `series` is what changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [series]);

  return (
    <figure className="chart" aria-label={label} data-testid="events-chart">
      <div ref={holder} aria-hidden="true" />
      <figcaption className="sr-only">{label}</figcaption>
    </figure>
  );
}
