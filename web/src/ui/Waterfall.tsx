import { useState } from 'react';
import type { ReplayMutation } from '../gql/graphql';
import { formatMs } from '../lib/time';
import { layoutWaterfall } from '../lib/waterfall';
import { formatClock, Json } from './common';

type Step = ReplayMutation['replaySession']['steps'][number];

/** The replay as a waterfall: one bar per step (length = durationMs); a step expands to its input and output. */
export function Waterfall(props: { steps: readonly Step[] }) {
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set());
  if (props.steps.length === 0) return <p className="empty">No recorded steps yet.</p>;
  const { spanMs, bars } = layoutWaterfall(props.steps);
  const toggle = (index: number) => {
    const next = new Set(open);
    if (next.has(index)) next.delete(index);
    else next.add(index);
    setOpen(next);
  };
  return (
    <div className="waterfall">
      <p className="hint">
        {props.steps.length} steps over {formatMs(spanMs)}. Select a step for its input and output.
      </p>
      <ol aria-label="Replay steps">
        {props.steps.map((step, i) => {
          const bar = bars[i]!;
          const expanded = open.has(step.index);
          const detailsId = `step-${step.index}-details`;
          const n = step.index + 1; // shown from 1; the API counts from 0
          return (
            <li key={step.index} className="step">
              <button type="button" className="step-row" aria-expanded={expanded} aria-controls={expanded ? detailsId : undefined} onClick={() => toggle(step.index)}>
                <span className="step-name">
                  {n}. {step.action}
                </span>
                <span className="track" aria-hidden="true">
                  <span className="bar" style={{ left: `${bar.offsetPct}%`, width: `${bar.widthPct}%` }} />
                </span>
                <span className="step-duration">{formatMs(step.durationMs)}</span>
              </button>
              {expanded ? (
                <div id={detailsId} className="step-details">
                  <p>At {formatClock(step.timestamp)}</p>
                  <h4>Input</h4>
                  <Json value={step.input} label={`Input of step ${n}`} />
                  <h4>Output</h4>
                  <Json value={step.output} label={`Output of step ${n}`} />
                </div>
              ) : null}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
