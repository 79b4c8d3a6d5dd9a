// The one message line under the header: what just happened, or what went wrong.

const box = () => document.getElementById('message');

export function showMessage(text, { error = false } = {}) {
  const el = box();
  el.textContent = text;
  el.classList.toggle('error', error);
  el.hidden = false;
}

export function showError(text) {
  showMessage(text, { error: true });
}

export function clearMessage() {
  box().hidden = true;
}
