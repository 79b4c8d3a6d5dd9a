// Replays: the list of recordings (GET /api/replays) and the playback view, which is
// the spectate view driven by /api/replays/{id}/events?speed=&from= with play/pause,
// speed and a seek bar. Pausing, changing speed and seeking reopen the stream from
// the wanted tick; the server starts it at the keyframe at or before that tick.

import { listReplays } from './api.js';
import { cell } from './lobby.js';
import { showError } from './message.js';

export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16];

function formatDuration(ms) {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
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
        cell(r.room),
        cell(r.map),
        cell(new Date(r.start).toLocaleString()),
        cell(formatDuration(r.duration_ms)),
        cell(String(r.players)),
        cell(`${(r.size / 1024).toFixed(1)} KiB`),
        cell(r.recording ? 'recording' : r.complete ? 'complete' : 'incomplete'),
      );
      const actions = document.createElement('td');
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
  constructor(spectate) {
    this.spectate = spectate;
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
    this.seekBar.max = String(summary.ticks);
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
      `Replay ${this.id}`,
      `playing at ${this.speed}x`,
    );
    this.playing = true;
    this.toggle.textContent = 'Pause';
  }

  pause() {
    this.from = this.current();
    this.spectate.stop();
    this.playing = false;
    this.toggle.textContent = 'Play';
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
    this.position.textContent = `${tick} / ${this.seekBar.max}`;
    if (this.spectate.state.ended && this.playing) {
      this.playing = false;
      this.toggle.textContent = 'Play';
      this.from = 0;
    }
  }
}
