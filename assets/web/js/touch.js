// On-screen controls for touch screens (and narrow windows): a stick on the left
// moves and aims, a button on the right fires. They feed the same input path as
// the keyboard and mouse: `buttons` is OR-ed into the held keys, `aim` (radians,
// world y up) replaces the mouse aim while the stick is pushed.

import { BUTTONS } from './protocol.js';

/** Pushed less than this share of the stick's radius: no move. */
const DEAD_ZONE = 0.3;

/** Whether this device or window wants the on-screen controls. */
export function wantsTouch() {
  const coarse = typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;
  return coarse || navigator.maxTouchPoints > 0 || window.innerWidth <= 700;
}

export class TouchControls {
  constructor() {
    this.root = document.getElementById('touch');
    this.stick = document.getElementById('touch-stick');
    this.knob = this.stick.querySelector('.knob');
    this.fireButton = document.getElementById('touch-fire');
    this.move = 0;
    this.fire = false;
    this.aim = null;
    this.stickPointer = null;
    this.stick.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      this.stickPointer = e.pointerId;
      this.stick.setPointerCapture?.(e.pointerId);
      this.push(e);
    });
    this.stick.addEventListener('pointermove', (e) => {
      if (e.pointerId === this.stickPointer) this.push(e);
    });
    const release = (e) => {
      if (e.pointerId !== this.stickPointer) return;
      this.stickPointer = null;
      this.move = 0;
      this.aim = null;
      this.knob.style.transform = '';
    };
    this.stick.addEventListener('pointerup', release);
    this.stick.addEventListener('pointercancel', release);
    const fire = (on) => (e) => {
      e.preventDefault();
      this.fire = on;
      this.fireButton.classList.toggle('on', on);
    };
    this.fireButton.addEventListener('pointerdown', fire(true));
    this.fireButton.addEventListener('pointerup', fire(false));
    this.fireButton.addEventListener('pointercancel', fire(false));
    this.fireButton.addEventListener('pointerleave', fire(false));
  }

  /** Show the controls when the device wants them; reset what is held. */
  show(on) {
    this.root.hidden = !on;
    this.move = 0;
    this.fire = false;
    this.aim = null;
  }

  /** The buttons held on screen now. */
  get buttons() {
    return this.move | (this.fire ? BUTTONS.FIRE : 0);
  }

  push(e) {
    const box = this.stick.getBoundingClientRect();
    const radius = box.width / 2;
    if (radius <= 0) return;
    let dx = (e.clientX - (box.left + radius)) / radius;
    let dy = (e.clientY - (box.top + radius)) / radius;
    const len = Math.hypot(dx, dy);
    if (len > 1) {
      dx /= len;
      dy /= len;
    }
    this.knob.style.transform = `translate(${dx * radius * 0.6}px, ${dy * radius * 0.6}px)`;
    let move = 0;
    if (dx > DEAD_ZONE) move |= BUTTONS.RIGHT;
    if (dx < -DEAD_ZONE) move |= BUTTONS.LEFT;
    // Screen y grows downwards, world y upwards.
    if (dy < -DEAD_ZONE) move |= BUTTONS.UP;
    if (dy > DEAD_ZONE) move |= BUTTONS.DOWN;
    this.move = move;
    this.aim = len > DEAD_ZONE ? Math.atan2(-dy, dx) : this.aim;
  }
}
