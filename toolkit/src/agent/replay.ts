/**
 * Replaying a trajectory: rebuilding, from its JSON alone, the transcript and the generator's
 * context. For the s3 protocol each observation is re-derived from the turn's retrieved documents
 * (or the feedback text), so a replay that matches proves the record is complete and consistent.
 */
import { formatDocLines, informationObservation, plainTitle } from './doc-lines.js';
import { INVALID_ACTION_FEEDBACK } from './searcher/environment.js';
import { extractSelectedDocs, formatGeneratorContext, transcriptAfterStartMarker, type SelectedDoc } from './selected-docs.js';
import type { Trajectory, Turn } from './trajectory.js';

export interface Replay {
  /** s3 protocol: prompt + Σ(response + observation); docs and rag protocols: the prompt. */
  transcript: string;
  selectedDocs: SelectedDoc[];
  context: string;
  /** Where the replay differs from the record (empty when it matches). */
  mismatches: string[];
}

function observationOf(turn: Turn, isLast: boolean): string {
  if (turn.action === 'search' && !(isLast && turn.observation === '')) return informationObservation(turn.retrieved);
  if (turn.action === 'invalid' && !(isLast && turn.observation === '')) return INVALID_ACTION_FEEDBACK;
  return '';
}

/**
 * Rebuilds the transcript and context of a trajectory and compares them with the record.
 *
 * @example
 * ```ts
 * const replay = replayTrajectory(trajectory);
 * replay.context === trajectory.context; // true
 * replay.mismatches; // []
 * ```
 */
export function replayTrajectory(t: Trajectory): Replay {
  const mismatches: string[] = [];
  let transcript = t.prompt;
  let selectedDocs: SelectedDoc[];
  if (t.protocol === 's3') {
    t.turns.forEach((turn, i) => {
      const observation = observationOf(turn, i === t.turns.length - 1);
      if (observation !== turn.observation) mismatches.push(`turn ${i}: the observation does not follow from the retrieved documents`);
      transcript += turn.response + observation;
    });
    selectedDocs = extractSelectedDocs(transcriptAfterStartMarker(transcript) ?? '', { maxSelectableId: t.maxSelectableId });
  } else if (t.protocol === 'rag') {
    selectedDocs = (t.turns[0]?.retrieved ?? []).map((doc) => ({ title: plainTitle(doc.title), text: doc.text }));
  } else {
    selectedDocs = t.selectedDocs.map(({ title, text }) => ({ title, text }));
  }
  const context = t.protocol === 'rag' ? formatDocLines(t.turns[0]?.retrieved ?? [], { spaced: true }) : formatGeneratorContext(selectedDocs);
  if (JSON.stringify(selectedDocs) !== JSON.stringify(t.selectedDocs)) mismatches.push('selected documents differ');
  if (context !== t.context) mismatches.push('context differs');
  return { transcript, selectedDocs, context, mismatches };
}

/**
 * The full transcript of an s3-protocol trajectory (prompt, responses, observations), as the
 * reward code and SFT demonstrations use it.
 *
 * @example
 * ```ts
 * trajectoryTranscript(trajectory).split(SEARCHER_START_MARKER).length; // 2
 * ```
 */
export function trajectoryTranscript(t: Trajectory): string {
  return t.prompt + t.turns.map((turn) => turn.response + turn.observation).join('');
}
