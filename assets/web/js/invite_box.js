// The invite link of a private room, shown to its players above the arena with a
// Copy button (hidden in public rooms).

import { inviteLink } from './api.js';

export class InviteBox {
  constructor() {
    this.box = document.getElementById('play-invite');
    this.input = document.getElementById('play-invite-link');
    this.button = document.getElementById('play-invite-copy');
    this.button.addEventListener('click', () => this.copy());
  }

  /** Show room `roomId`'s link with its `invite` code; hide the box without one. */
  show(roomId, invite) {
    this.box.hidden = !invite;
    if (!invite) return;
    this.input.value = inviteLink(roomId, invite);
    this.button.textContent = 'Copy';
  }

  async copy() {
    try {
      await navigator.clipboard.writeText(this.input.value);
    } catch {
      this.input.select();
      document.execCommand?.('copy');
    }
    this.button.textContent = 'Copied';
  }
}
