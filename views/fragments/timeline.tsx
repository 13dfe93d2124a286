/**
 * @module views/fragments/timeline
 * Inline SVG of a channel's sessions and gaps (data from core/timeline). Each bar links to the
 * VOD form prefilled with that session's recorded range.
 */
import type { TimelineBar } from '../../app/core/timeline.ts';
import { fmtTime } from '../format.ts';

export const TL_WIDTH = 1000;

export function Timeline(p: { channelId: number; bars: TimelineBar[]; ticks: { x: number; label: string }[]; span: 'day' | 'week'; spanLink: { day: string; week: string } }) {
  return (
    <div id="timeline">
      <p class="small">
        <a href={p.spanLink.day} class={p.span === 'day' ? 'badge on' : 'badge'}>last day</a>{' '}
        <a href={p.spanLink.week} class={p.span === 'week' ? 'badge on' : 'badge'}>last week</a>{' '}
        <span class="mut">{p.bars.length} session(s); click one to build a VOD of it</span>
      </p>
      <svg class="timeline" viewBox={`0 0 ${TL_WIDTH} 60`} preserveAspectRatio="none" role="img" aria-label={`publish sessions over the last ${p.span}`}>
        <line x1="0" y1="34" x2={TL_WIDTH} y2="34" stroke="#d0d5dd" vector-effect="non-scaling-stroke" />
        {p.bars.map((b) => (
          <a href={`/admin/vod?channel=${p.channelId}&start=${b.vodStart}&end=${b.vodEnd}#vod`} data-session={b.id}>
            <title>{`session ${b.id}: ${fmtTime(b.startMs)} – ${b.live ? 'live' : fmtTime(b.endMs)}`}</title>
            <rect class={b.live ? 'sess livebar' : 'sess'} x={b.x} y="6" width={b.w} height="48" rx="2" />
            {b.recX !== undefined && <rect class="rec" x={b.recX} y="18" width={b.recW} height="24" />}
            <rect class="hit" x={Math.min(Math.max(0, b.x + b.w / 2 - Math.max(16, b.w) / 2), TL_WIDTH - Math.max(16, b.w))} y="0" width={Math.max(16, b.w)} height="60" fill="transparent" pointer-events="all" />
          </a>
        ))}
      </svg>
      <div class="ticks" aria-hidden="true">
        {p.ticks.map((t) => <span style={`left:${(t.x / TL_WIDTH) * 100}%`}>{t.label}</span>)}
      </div>
    </div>
  );
}
