// The background (a service worker in Chromium, an event page in Firefox): the context menu.
// Self-contained on purpose: Firefox loads it as a classic script via `background.scripts`.
const MENU_ID = 'threadr-selection';

chrome.runtime.onInstalled.addListener(() => {
  chrome.contextMenus.create({
    id: MENU_ID, title: 'Threadr: thread from selection', contexts: ['selection'],
  });
});

/** Hands the selection to the popup (through storage, used once) and opens it: the toolbar
 *  popup where the browser allows it (unless `inTab`), else the same page in a tab.
 *  Returns which one. */
async function threadFromSelection(info, tab, { inTab = false } = {}) {
  const text = (info?.selectionText || '').trim();
  if (!text) return null;
  const url = info.pageUrl || tab?.url || null;
  await chrome.storage.local.set({ pending: { text, url, at: Date.now() } });
  if (!inTab) {
    try {
      await chrome.action.openPopup();
      return 'popup';
    } catch { /* no browser window to anchor it to, or not allowed here: use a tab */ }
  }
  await chrome.tabs.create({ url: chrome.runtime.getURL('popup.html') });
  return 'tab';
}

chrome.contextMenus.onClicked.addListener((info, tab) => {
  if (info.menuItemId === MENU_ID) threadFromSelection(info, tab);
});

globalThis.threadFromSelection = threadFromSelection;
