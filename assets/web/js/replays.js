// Replays: the list of recordings (GET /api/replays) and the playback view, which is
// the spectate view driven by /api/replays/{id}/events?speed=&from= with play/pause,
// speed and a seek bar. Pausing, changing speed and seeking reopen the stream from
// the wanted tick; the server starts it at the keyframe at or before that tick.
// The view is titled with the room's name and game; positions are shown as m:ss.
// An arena recording plays on the arena's spectate view, any other game's on the
// SDK's (game_spectate.js).

import { listReplays } from './api.js';
import { cell } from './lobby.js';
import { hud } from './hud.js';
import { showError } from './message.js';

export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16];

/** `ms` as m:ss (h:mm:ss past an hour). */
export function formatDuration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** When a recording started, short enough for a phone's row. */
function formatStart(ms) {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
}

/** The list of recordings. */
export class ReplaysPage {
  show() {
    document.getElementById('replays-view').hidden = false;
    this.refresh();
  }

  hide() {
    document.getElementById('replays-view').hidden = true;
  }

  async refresh() {
    let replays;
    try {
      replays = await listReplays();
    } catch (e) {
      showError(`Could not list replays: ${e.message}`);
      return;
    }
    const body = document.querySelector('#replays tbody');
    body.replaceChildren();
    document.getElementById('no-replays').hidden = replays.length > 0;
    for (const r of replays) {
      const tr = document.createElement('tr');
      tr.dataset.id = r.id;
      tr.append(
        cell(r.room, 'name'),
        cell(r.game && r.game !== 'arena' ? r.game : r.map, 'wide'),
        cell(formatStart(r.start)),
        cell(formatDuration(r.duration_ms)),
        cell(String(r.players), 'wide'),
        cell(`${(r.size / 1024).toFixed(1)} KiB`, 'wide'),
        cell(r.recording ? 'recording' : r.complete ? 'complete' : 'incomplete', 'wide'),
      );
      const actions = document.createElement('td');
      actions.className = 'actions';
      const watch = document.createElement('a');
      watch.href = `#/replay/${encodeURIComponent(r.id)}`;
      watch.textContent = 'Watch';
      watch.className = 'watch';
      const download = document.createElement('a');
      download.href = `/api/replays/${encodeURIComponent(r.id)}`;
      download.download = `${r.id}.tcr`;
      download.textContent = 'Download';
      actions.append(watch, ' ', download);
      tr.append(actions);
      body.append(tr);
    }
  }
}

/** Playback of one recording on the spectate view. */
export class ReplayView {
  constructor(arenaView, gameView) {
    this.arenaView = arenaView;
    this.gameView = gameView;
    this.spectate = arenaView;
    this.controls = document.getElementById('replay-controls');
    this.toggle = document.getElementById('replay-toggle');
    this.speedSelect = document.getElementById('replay-speed');
    this.seekBar = document.getElementById('replay-seek');
    this.position = document.getElementById('replay-position');
    for (const s of SPEEDS) {
      const opt = document.createElement('option');
      opt.value = String(s);
      opt.textContent = `${s}×`;
      this.speedSelect.append(opt);
    }
    this.toggle.addEventListener('click', () => (this.playing ? this.pause() : this.play()));
    this.speedSelect.addEventListener('change', () => this.setSpeed(Number(this.speedSelect.value)));
    this.seekBar.addEventListener('change', () => this.seek(Number(this.seekBar.value)));
    this.timer = null;
    this.playing = false;
  }

  async start(id) {
    this.id = id;
    this.speed = 1;
    this.from = 0;
    this.speedSelect.value = '1';
    this.controls.hidden = false;
    let summary;
    try {
      summary = (await listReplays()).find((r) => r.id === id);
    } catch (e) {
      showError(`Could not load replay ${id}: ${e.message}`);
      return;
    }
    if (!summary) {
      showError(`No replay ${id}.`);
      return;
    }
    this.spectate.stop();
    this.spectate = this.arenaView;
    if (summary.game && summary.game !== 'arena' && this.gameView) {
      if (!(await this.gameView.setGame(summary.game))) return;
      this.spectate = this.gameView;
    }
    this.seekBar.max = String(summary.ticks);
    this.summary = summary;
    // Milliseconds per tick, from the recording's own length.
    this.msPerTick = summary.ticks > 0 ? summary.duration_ms / summary.ticks : 1000 / 60;
    const game = summary.game ? ` (${summary.game})` : '';
    this.title = `Replay of ${summary.room || summary.room_id || id}${game}`;
    this.play();
    this.timer = setInterval(() => this.showPosition(), 250);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.spectate.stop();
    this.playing = false;
    this.controls.hidden = true;
  }

  /** The tick on screen now (or where playback will resume). */
  current() {
    return this.spectate.state.tick ?? this.from;
  }

  play() {
    this.spectate.stop();
    const from = this.from;
    this.spectate.stream(
      () => `/api/replays/${encodeURIComponent(this.id)}/events?speed=${this.speed}&from=${from}`,
      this.title ?? `Replay ${this.id}`,
      `playing at ${this.speed}×`,
    );
    this.playing = true;
    this.toggle.textContent = 'Pause';
  }

  pause() {
    this.from = this.current();
    this.spectate.stop();
    this.playing = false;
    this.toggle.textContent = 'Play';
    hud.state('paused');
  }

  setSpeed(speed) {
    this.speed = speed;
    if (this.playing) {
      this.from = this.current();
      this.play();
    }
  }

  seek(tick) {
    this.from = tick;
    if (this.playing) this.play();
    this.showPosition();
  }

  showPosition() {
    const tick = this.current();
    if (document.activeElement !== this.seekBar) this.seekBar.value = String(tick);
    const ms = this.msPerTick ?? 1000 / 60;
    this.position.textContent = `${formatDuration(tick * ms)} / ${formatDuration(Number(this.seekBar.max) * ms)}`;
    this.position.title = `tick ${tick} of ${this.seekBar.max}`;
    if (this.spectate.state.ended && this.playing) {
      this.playing = false;
      this.toggle.textContent = 'Play';
      this.from = 0;
      hud.state('ended: Play starts again');
    }
  }
}
