import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface Series {
  label: string;
  values: (number | null)[];
  colour: string;
}

export interface LineChartProps {
  title: string;
  /** Seconds since the epoch, one per point. */
  times: number[];
  series: Series[];
  /** Unit for the axis and the legend: formats a value. */
  format(value: number | null): string;
  height?: number;
  /** A fixed y range (a ratio: [0, 1]); otherwise from 0 to a little above the highest value. */
  yRange?: [number, number];
  /** The top of the y axis while there is no data. @defaultValue 1 */
  emptyMax?: number;
}

/**
 * A time-series chart (uPlot: canvas, a few kB, fast with thousands of points). The chart is made
 * once and given new data on each update, so a live overview does not rebuild it every 5 s.
 */
export function LineChart(props: LineChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const shape = props.series.map((s) => s.label).join('|');

  useEffect(() => {
    const el = box.current;
    if (el === null) return undefined;
    const width = Math.max(240, el.clientWidth);
    const chart = new uPlot(
      {
        width,
        height: props.height ?? 160,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: true },
          y: { range: (_u, _min, max) => props.yRange ?? [0, max > 0 ? max * 1.1 : (props.emptyMax ?? 1)] },
        },
        axes: [{ stroke: '#444' }, { stroke: '#444', size: 64, values: (_u, ticks) => ticks.map((t) => props.format(t)) }],
        series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.colour, width: 2, spanGaps: true, points: { show: true, size: 5 }, value: (_u: uPlot, v: number | null) => props.format(v) }))],
      },
      [props.times, ...props.series.map((s) => s.values)],
      el,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(240, el.clientWidth), height: props.height ?? 160 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = undefined;
    };
    // Rebuilt only when the series change; data updates go through setData below.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData([props.times, ...props.series.map((s) => s.values)]);
  }, [props.times, props.series]);

  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={box} role="img" aria-label={props.title} />
    </figure>
  );
}
