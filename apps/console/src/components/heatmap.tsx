import { useEffect, useRef, useState } from 'preact/hooks';
import { correlationColour, heatmapWindow, HEATMAP_MAX } from '../lib/analysis-view';

/**
 * The correlation matrix as a heat map on a canvas (a 200 × 200 matrix is 40 000 cells: too many
 * for DOM nodes). Column names are drawn as canvas text and listed below as text, never as markup.
 * Hovering a cell names its pair and coefficient.
 */
export function Heatmap({ correlation }: { correlation: { columns: string[]; matrix: (number | null)[][] } }) {
  const [all, setAll] = useState(false);
  const [hover, setHover] = useState<string | undefined>();
  const canvas = useRef<HTMLCanvasElement>(null);
  const view = heatmapWindow(correlation, all ? correlation.columns.length : HEATMAP_MAX);
  const n = view.columns.length;
  const cell = n > 60 ? 6 : n > 20 ? 12 : 24;
  const labelSpace = 110;
  const size = labelSpace + n * cell;

  useEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext('2d');
    if (el === null || ctx === null || ctx === undefined) return;
    ctx.clearRect(0, 0, size, size);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#222';
    ctx.textBaseline = 'middle';
    view.columns.forEach((name, i) => {
      const short = name.length > 16 ? `${name.slice(0, 15)}…` : name;
      if (cell >= 12) {
        ctx.textAlign = 'right';
        ctx.fillText(short, labelSpace - 4, labelSpace + i * cell + cell / 2);
        ctx.save();
        ctx.translate(labelSpace + i * cell + cell / 2, labelSpace - 4);
        ctx.rotate(-Math.PI / 2);
        ctx.textAlign = 'left';
        ctx.fillText(short, 0, 0);
        ctx.restore();
      }
      view.matrix[i]?.forEach((r, j) => {
        ctx.fillStyle = correlationColour(r);
        ctx.fillRect(labelSpace + j * cell, labelSpace + i * cell, cell - 1, cell - 1);
      });
      ctx.fillStyle = '#222';
    });
  }, [view, size, cell]);

  const onMove = (event: MouseEvent) => {
    const el = canvas.current;
    if (el === null) return;
    const box = el.getBoundingClientRect();
    const i = Math.floor((event.clientY - box.top - labelSpace) / cell);
    const j = Math.floor((event.clientX - box.left - labelSpace) / cell);
    const r = view.matrix[i]?.[j];
    setHover(i >= 0 && j >= 0 && i < n && j < n ? `${view.columns[i] ?? ''} × ${view.columns[j] ?? ''}: ${r === null || r === undefined ? 'undefined (a constant column)' : r.toFixed(3)}` : undefined);
  };

  if (n === 0) return <p class="muted">No numeric column pairs to correlate.</p>;
  return (
    <div class="heatmap">
      <canvas ref={canvas} width={size} height={size} onMouseMove={onMove} onMouseLeave={() => setHover(undefined)} role="img" aria-label={`correlation heat map of ${n} columns`} data-testid="heatmap" />
      <p class="muted" aria-live="polite">
        {hover ?? 'Blue −1, white 0, red +1, grey undefined. Hover a cell for its value.'}
      </p>
      {view.truncated ? (
        <button type="button" onClick={() => setAll(true)}>
          Show all {correlation.columns.length} columns
        </button>
      ) : null}
    </div>
  );
}
