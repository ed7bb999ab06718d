import { histogramBars } from '../lib/analysis-view';
import { formatNumber } from '../lib/format';

/** A column's histogram as SVG bars; each bar's range and count are its tooltip (text, not markup). */
export function Histogram({ histogram, label }: { histogram: { edges: number[]; counts: number[] }; label: string }) {
  const bars = histogramBars(histogram);
  const width = 160;
  const height = 40;
  const barWidth = bars.length === 0 ? 0 : width / bars.length;
  return (
    <svg class="histogram" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`histogram of ${label}`}>
      {bars.map((bar, i) => (
        <rect key={i} x={i * barWidth + 0.5} y={height - bar.height * height} width={Math.max(1, barWidth - 1)} height={Math.max(bar.count > 0 ? 1 : 0, bar.height * height)}>
          <title>{`${formatNumber(bar.from)} – ${formatNumber(bar.to)}: ${bar.count}`}</title>
        </rect>
      ))}
    </svg>
  );
}
