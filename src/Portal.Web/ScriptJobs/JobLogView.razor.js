// Keeps a log view scrolled to its end as lines arrive, unless the reader scrolled up to read; scrolling back down follows again.
export function follow(element) {
  if (!element || element.portalFollow) return;
  let stuck = true;
  element.addEventListener("scroll", () => {
    stuck = element.scrollTop + element.clientHeight >= element.scrollHeight - 24;
  });
  const observer = new MutationObserver(() => {
    if (stuck) element.scrollTop = element.scrollHeight;
  });
  observer.observe(element, { childList: true, subtree: true, characterData: true });
  element.portalFollow = observer;
  element.scrollTop = element.scrollHeight;
}
