// Publish now: the thread just made, to one of the account's connected destinations
// (connect them on the Threadr web page); then each post's link.
const NAMES = { x: 'X', bluesky: 'Bluesky', mastodon: 'Mastodon' };

export class PublishPanel {
  constructor($, client, { say, showError }) {
    Object.assign(this, { $, client, say, showError });
    this.threadId = null;
  }

  bind(texts) {
    this.texts = texts;
    this.$('publish-now').addEventListener('click', () => this.publish());
  }

  async show(threadId) {
    this.threadId = threadId;
    const panel = this.$('publish');
    panel.hidden = true;
    if (!threadId || !this.client.token) return;
    const { destinations } = await this.client.request('GET', '/api/v1/destinations');
    if (!destinations.length) return;
    this.$('publish-destination').replaceChildren(...destinations.map((d) => Object.assign(
      document.createElement('option'), { value: d.id, textContent: `${NAMES[d.platform]} @${d.handle}` })));
    panel.hidden = false;
  }

  async publish() {
    const id = encodeURIComponent(this.threadId);
    try {
      this.$('publish-now').disabled = true;
      await this.client.request('PATCH', `/api/v1/threads/${id}`, { posts: this.texts() });
      let pub = await this.client.request('POST', `/api/v1/threads/${id}/publish`,
        { destination_id: this.$('publish-destination').value });
      while (pub.status === 'scheduled' || pub.status === 'publishing') {
        this.say(`Publishing… ${pub.posts.filter((p) => p.url).length}/${pub.posts.length}`);
        await new Promise((r) => { setTimeout(r, 700); });
        pub = await this.client.request('GET', `/api/v1/publications/${encodeURIComponent(pub.id)}`);
      }
      this.say(pub.status === 'published' ? 'Published.' : `Publishing failed: ${pub.error}`);
      this.$('publish-links').replaceChildren(...pub.posts.filter((p) => p.url).map((p) => {
        const li = document.createElement('li');
        li.append(Object.assign(document.createElement('a'), {
          href: p.url, target: '_blank', rel: 'noopener', textContent: `Post ${p.index + 1}` }));
        return li;
      }));
    } catch (err) { this.showError(err); } finally { this.$('publish-now').disabled = false; }
  }
}
